package io.github.peft4j.datasets.metrics;

import java.util.List;
import java.util.Map;

/**
 * Corpus BLEU as the official E2E NLG Challenge scorer reports it: {@code measure_scores.py} of
 * tuetschek/e2e-metrics (its default Perl path) running {@code mteval/mteval-v13a-sig.pl}, NIST's mteval-v13a with
 * the scorer's edits for a variable number of references, on all references of each MR, with mteval's defaults.
 * This is the BLEU that Li &amp; Liang (2021) report for E2E. (The scorer's Python port, {@code pymteval.py},
 * counts a negative number of n-grams for outputs shorter than four tokens and smooths zero matches differently;
 * it is not followed here.)
 *
 * <p>Exactly:
 * <ul>
 *   <li>tokenisation {@link Mteval13aTokenizer#mteval} after the SGML reader's whitespace collapse; lowercased
 *       (ASCII {@code A-Z} only) unless {@code preserveCase} (mteval's {@code -c}, which the scorer does not pass);</li>
 *   <li>n-gram matches clipped by the largest count of that n-gram in any one reference of the segment;</li>
 *   <li>brevity penalty with the closest reference length ({@code --brevity-penalty closest}, the default), ties
 *       going to the shorter reference, summed over segments; the scorer pads a segment that has fewer references
 *       than the largest number with empty references, and its edited {@code brevity_penalty_closest} skips
 *       empty references, except that the first reference always counts (an empty first reference is a length
 *       of 0);</li>
 *   <li>{@code bleu_score} (smoothed, the default): {@code BP * exp(mean over n = 1..4 of log p_n)}, where an order
 *       without matches takes {@code 1 / (2^k * total)} for the k-th such order and an order without hypothesis
 *       n-grams counts as precision 1; 0 for an empty system output. One document, so this is corpus level.</li>
 * </ul>
 * Verified against the scorer's published result for the TGen baseline on the E2E test set (BLEU 0.6636).
 */
public final class MtevalBleu {
    /** BLEU's maximum n-gram order. */
    public static final int MAX_ORDER = 4;

    private MtevalBleu() {}

    /**
     * The E2E scorer's BLEU (lowercased).
     *
     * @param hypotheses one system output per segment
     * @param references {@code references.get(i)} holds all references of hypothesis {@code i} (their number may
     *     vary; an empty list counts as one empty reference); no {@code null}s
     * @return the corpus score
     * @throws IllegalArgumentException if the lists differ in length, the corpus is empty, an element is
     *     {@code null} or no hypothesis has a reference
     */
    public static BleuScore score(List<String> hypotheses, List<List<String>> references) {
        return score(hypotheses, references, false);
    }

    /** As {@link #score(List, List)}; {@code preserveCase} is mteval's {@code -c}. */
    public static BleuScore score(List<String> hypotheses, List<List<String>> references, boolean preserveCase) {
        MtevalCorpus corpus = MtevalCorpus.of(hypotheses, references, preserveCase);
        long[] matches = new long[MAX_ORDER + 1];
        long[] totals = new long[MAX_ORDER + 1];
        long referenceLength = 0;
        for (int segment = 0; segment < corpus.hypotheses.size(); segment++) {
            List<String> hyp = corpus.hypotheses.get(segment);
            List<List<String>> refs = corpus.references.get(segment);
            for (int n = 1; n <= MAX_ORDER; n++) {
                totals[n] += Math.max(0, hyp.size() - n + 1);
            }
            List<Map<String, Integer>> refMax = NGramCounts.empty(MAX_ORDER);
            for (List<String> ref : refs) {
                NGramCounts.maxInto(refMax, NGramCounts.byOrder(ref, MAX_ORDER));
            }
            List<Map<String, Integer>> hypCounts = NGramCounts.byOrder(hyp, MAX_ORDER);
            for (int n = 1; n <= MAX_ORDER; n++) {
                Map<String, Integer> available = refMax.get(n - 1);
                for (Map.Entry<String, Integer> entry : hypCounts.get(n - 1).entrySet()) {
                    Integer max = available.get(entry.getKey());
                    if (max != null) {
                        matches[n] += Math.min(entry.getValue(), max);
                    }
                }
            }
            referenceLength += closestReferenceLength(hyp.size(), refs);
        }
        return bleu(matches, totals, referenceLength);
    }

    /**
     * The reference length of one segment as {@code score_segment} of {@code mteval-v13a-sig.pl} computes it: the
     * first reference's length, then {@code brevity_penalty_closest} with each further one, which ignores empty
     * references and on a tie keeps the shorter length.
     */
    static int closestReferenceLength(int hypothesisLength, List<List<String>> references) {
        int current = references.get(0).size();
        for (int i = 1; i < references.size(); i++) {
            int candidate = references.get(i).size();
            if (candidate == 0) {
                continue;
            }
            int candidateDistance = Math.abs(hypothesisLength - candidate);
            int currentDistance = Math.abs(hypothesisLength - current);
            if (candidateDistance < currentDistance || (candidateDistance == currentDistance && candidate < current)) {
                current = candidate;
            }
        }
        return current;
    }

    /** mteval's {@code bleu_score} (with its default smoothing) on corpus statistics indexed 1..4. */
    private static BleuScore bleu(long[] matches, long[] totals, long referenceLength) {
        double expLengthScore = 0;
        if (totals[1] > 0) {
            expLengthScore = Math.exp(Math.min(0, 1 - (double) referenceLength / totals[1]));
        }
        double smooth = 1;
        double score = 0;
        double cumulative = 0;
        double[] precisions = new double[MAX_ORDER];
        for (int n = 1; n <= MAX_ORDER; n++) {
            double individual;
            if (totals[n] == 0) {
                individual = 0;
            } else if (matches[n] == 0) {
                smooth *= 2;
                individual = Math.log(1 / (smooth * totals[n]));
            } else {
                individual = Math.log((double) matches[n] / totals[n]);
            }
            precisions[n - 1] = Math.exp(individual);
            score += individual;
            cumulative = Math.exp(score / n) * expLengthScore;
        }
        long[] m = new long[MAX_ORDER];
        long[] t = new long[MAX_ORDER];
        System.arraycopy(matches, 1, m, 0, MAX_ORDER);
        System.arraycopy(totals, 1, t, 0, MAX_ORDER);
        return new BleuScore(cumulative, precisions, expLengthScore, totals[1], referenceLength, m, t);
    }
}
