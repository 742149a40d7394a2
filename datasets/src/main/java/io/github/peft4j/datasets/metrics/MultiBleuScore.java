package io.github.peft4j.datasets.metrics;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.Locale;

/**
 * A corpus BLEU score as Moses' {@code multi-bleu.perl} reports it, on its 0..100 scale.
 *
 * @param bleu the cumulative 4-gram BLEU, 0..100, unrounded (the script prints it with two decimals)
 * @param precisions the n-gram precisions, n = 1..4, 0..100: clipped matches / hypothesis n-grams, 0 without any
 * @param brevityPenalty {@code exp(1 - referenceLength / hypothesisLength)} when the hypotheses are shorter, else 1
 * @param hypothesisLength the number of hypothesis tokens
 * @param referenceLength the sum over lines of the reference length closest to the hypothesis length (the
 *     shorter one on a tie; an empty reference line counts, with length 0)
 */
public record MultiBleuScore(double bleu, double[] precisions, double brevityPenalty, long hypothesisLength, long referenceLength) {
    public MultiBleuScore {
        precisions = precisions.clone();
    }

    @Override
    public double[] precisions() {
        return precisions.clone();
    }

    /** The BLEU the script prints: its {@code %.2f}, which rounds the double's exact value half to even, as C does. */
    public double printedBleu() {
        return new BigDecimal(bleu).setScale(2, RoundingMode.HALF_EVEN).doubleValue();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof MultiBleuScore that
                && Double.compare(bleu, that.bleu) == 0
                && Arrays.equals(precisions, that.precisions)
                && Double.compare(brevityPenalty, that.brevityPenalty) == 0
                && hypothesisLength == that.hypothesisLength
                && referenceLength == that.referenceLength;
    }

    @Override
    public int hashCode() {
        return 31 * Double.hashCode(bleu) + Long.hashCode(referenceLength);
    }

    /** The script's output line, {@code BLEU = 48.56, 83.2/60.0/43.7/32.1 (BP=0.944, ratio=0.945, hyp_len=..., ref_len=...)}. */
    @Override
    public String toString() {
        if (referenceLength == 0) {
            return "BLEU = 0, 0/0/0/0 (BP=0, ratio=0, hyp_len=0, ref_len=0)";
        }
        return String.format(Locale.ROOT, "BLEU = %s, %s/%s/%s/%s (BP=%s, ratio=%s, hyp_len=%d, ref_len=%d)",
                printed(bleu, 2), printed(precisions[0], 1), printed(precisions[1], 1), printed(precisions[2], 1),
                printed(precisions[3], 1), printed(brevityPenalty, 3), printed((double) hypothesisLength / referenceLength, 3),
                hypothesisLength, referenceLength);
    }

    private static String printed(double value, int decimals) {
        return new BigDecimal(value).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
    }
}
