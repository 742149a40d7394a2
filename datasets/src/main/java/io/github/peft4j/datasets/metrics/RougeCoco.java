package io.github.peft4j.datasets.metrics;

import java.util.List;
import java.util.Objects;

/**
 * ROUGE-L as the E2E NLG Challenge scorer reports it ({@code ROUGE_L}, e.g. 0.6827 for TGen on the E2E test set): the
 * {@code Rouge} scorer of pycocoevalcap ({@code pycocoevalcap/rouge/rouge.py} of tylin/coco-caption, the Python 3 copy
 * bundled in tuetschek/e2e-metrics), after {@link CocoTokenizer}.
 *
 * <p>Per hypothesis: both texts are split at single spaces; for each reference the longest common subsequence (LCS) of
 * tokens gives precision {@code lcs / |hypothesis|} and recall {@code lcs / |reference|}; the maxima over the references
 * (taken separately, possibly from different references) give {@code F = (1 + β²) P R / (R + β² P)} with β = 1.2, or 0
 * when either maximum is 0. The corpus score is the mean over hypotheses, on a 0..1 scale.
 *
 * <p>As in the original, an empty (tokenized) text is the one-token list {@code [""]}, since Python's
 * {@code "".split(" ")} is {@code [""]}: an empty hypothesis scores 0 against non-empty references and 1 against an
 * empty one.
 */
public final class RougeCoco {
    /** The weight of recall, {@code self.beta} in rouge.py. */
    public static final double BETA = 1.2;

    private RougeCoco() {}

    /**
     * The corpus ROUGE-L of raw (untokenized) texts, tokenized first as the E2E scorer does.
     *
     * @param hypotheses one text per example
     * @param references the references of each example, parallel to {@code hypotheses} (at least one each)
     */
    public static double score(List<String> hypotheses, List<List<String>> references) {
        checkShape(hypotheses, references);
        return scoreTokenized(CocoTokenizer.tokenize(hypotheses), CocoTokenizer.tokenizeReferences(references));
    }

    /** The corpus ROUGE-L of texts already tokenized by {@link CocoTokenizer} (tokens joined by single spaces). */
    public static double scoreTokenized(List<String> hypotheses, List<List<String>> references) {
        double[] scores = sentenceScoresTokenized(hypotheses, references);
        double sum = 0;
        for (double score : scores) {
            sum += score;
        }
        return sum / scores.length;
    }

    /** The ROUGE-L of each example, texts already tokenized by {@link CocoTokenizer}. */
    public static double[] sentenceScoresTokenized(List<String> hypotheses, List<List<String>> references) {
        checkShape(hypotheses, references);
        double[] scores = new double[hypotheses.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = sentenceScore(hypotheses.get(i), references.get(i));
        }
        return scores;
    }

    /** The ROUGE-L of one tokenized hypothesis against its tokenized references ({@code calc_score}). */
    public static double sentenceScore(String hypothesis, List<String> references) {
        Objects.requireNonNull(hypothesis, "hypothesis");
        if (references.isEmpty()) {
            throw new IllegalArgumentException("a hypothesis needs at least one reference");
        }
        String[] candidate = hypothesis.split(" ", -1);
        double maxPrecision = 0;
        double maxRecall = 0;
        for (String reference : references) {
            String[] tokens = Objects.requireNonNull(reference, "reference").split(" ", -1);
            int lcs = lcsLength(tokens, candidate);
            maxPrecision = Math.max(maxPrecision, lcs / (double) candidate.length);
            maxRecall = Math.max(maxRecall, lcs / (double) tokens.length);
        }
        if (maxPrecision == 0 || maxRecall == 0) {
            return 0.0;
        }
        return (1 + BETA * BETA) * maxPrecision * maxRecall / (maxRecall + BETA * BETA * maxPrecision);
    }

    /** The length of the longest common subsequence of two token sequences. */
    static int lcsLength(String[] a, String[] b) {
        int[] previous = new int[b.length + 1];
        int[] current = new int[b.length + 1];
        for (String token : a) {
            for (int j = 1; j <= b.length; j++) {
                current[j] = token.equals(b[j - 1]) ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length];
    }

    static void checkShape(List<String> hypotheses, List<List<String>> references) {
        Objects.requireNonNull(hypotheses, "hypotheses");
        Objects.requireNonNull(references, "references");
        if (hypotheses.isEmpty()) {
            throw new IllegalArgumentException("no hypotheses to score");
        }
        if (hypotheses.size() != references.size()) {
            throw new IllegalArgumentException(
                    hypotheses.size() + " hypotheses but references for " + references.size());
        }
        for (int i = 0; i < references.size(); i++) {
            if (Objects.requireNonNull(references.get(i), "references of a hypothesis").isEmpty()) {
                throw new IllegalArgumentException("hypothesis " + i + " has no reference");
            }
        }
    }
}
