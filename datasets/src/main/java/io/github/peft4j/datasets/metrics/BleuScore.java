package io.github.peft4j.datasets.metrics;

import java.util.Arrays;

/**
 * A corpus BLEU score as {@code mteval-v13a.pl} reports it (the E2E scorer's BLEU), on a 0..1 scale.
 *
 * @param bleu the cumulative 4-gram BLEU, 0..1 (the E2E scorer prints it as {@code BLEU: 0.6636})
 * @param precisions the individual n-gram precisions, n = 1..4, as mteval's "Individual N-gram scoring" line:
 *     matches / total, or {@code 1 / (2^k * total)} for the k-th order without a match (mteval's smoothing), or
 *     1 when the hypotheses have no n-gram of that order
 * @param brevityPenalty {@code exp(min(0, 1 - referenceLength / hypothesisLength))}, 0 for an empty system output
 * @param hypothesisLength the number of hypothesis tokens
 * @param referenceLength the sum over segments of the reference length closest to the hypothesis length
 * @param matches clipped n-gram matches, n = 1..4
 * @param totals hypothesis n-grams, n = 1..4
 */
public record BleuScore(double bleu, double[] precisions, double brevityPenalty, long hypothesisLength,
        long referenceLength, long[] matches, long[] totals) {

    public BleuScore {
        precisions = precisions.clone();
        matches = matches.clone();
        totals = totals.clone();
    }

    @Override
    public double[] precisions() {
        return precisions.clone();
    }

    @Override
    public long[] matches() {
        return matches.clone();
    }

    @Override
    public long[] totals() {
        return totals.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BleuScore that
                && Double.compare(bleu, that.bleu) == 0
                && Arrays.equals(precisions, that.precisions)
                && Double.compare(brevityPenalty, that.brevityPenalty) == 0
                && hypothesisLength == that.hypothesisLength
                && referenceLength == that.referenceLength
                && Arrays.equals(matches, that.matches)
                && Arrays.equals(totals, that.totals);
    }

    @Override
    public int hashCode() {
        return 31 * Double.hashCode(bleu) + Arrays.hashCode(matches);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "BLEU = %.4f (precisions %s, BP = %.4f, hyp_len = %d, ref_len = %d)",
                bleu, Arrays.toString(precisions), brevityPenalty, hypothesisLength, referenceLength);
    }
}
