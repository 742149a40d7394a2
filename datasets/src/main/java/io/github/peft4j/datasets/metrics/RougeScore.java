package io.github.peft4j.datasets.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * ROUGE-1, ROUGE-2 and ROUGE-L F1 as Google's {@code rouge_score} package computes them ({@code rouge_scorer.py},
 * {@code tokenize.py}, {@code scoring.py} of google-research/google-research {@code rouge/}, release 0.1.2), the
 * implementation behind the XSUM numbers of Li &amp; Liang (2021) with {@code use_stemmer=True}.
 *
 * <p>Tokenizer: lower-case, replace every run of characters other than {@code [a-z0-9]} with a space, split at
 * whitespace, stem the tokens longer than 3 characters with {@link PorterStemmer} (NLTK's, mode NLTK_EXTENSIONS) when
 * stemming is on, and drop empty tokens. ROUGE-N: clipped n-gram matches over {@code max(1, count)} for precision
 * (prediction n-grams) and recall (reference n-grams). ROUGE-L: the longest common subsequence of the whole token
 * sequences (no sentence splitting), 0 when either text has no tokens. F1 is {@code 2PR / (P + R)}.
 *
 * <p>Several references: as {@code RougeScorer.score_multi}, each variant takes the (precision, recall, F) of the first
 * reference with the highest F1 (the paper's XSUM has one reference per article, where this is simply that
 * reference). Corpus scores are the plain mean of the per-example precision, recall and F1 (what rouge_score's
 * {@code BootstrapAggregator} reports as "mid" up to its resampling noise, and what the Hugging Face {@code rouge}
 * metric returns with {@code use_aggregator=False} averaged); scores stay on rouge_score's 0..1 scale, multiply by 100
 * for a paper's table.
 */
public final class RougeScore {
    private static final Pattern NON_ALPHANUMERIC = Pattern.compile("[^a-z0-9]+");
    private static final Pattern SPACES = Pattern.compile("\\s+");
    private static final Pattern VALID_TOKEN = Pattern.compile("[a-z0-9]+");

    private RougeScore() {}

    /** The corpus scores with stemming on (the paper's setting). */
    public static RougeScores score(List<String> predictions, List<List<String>> references) {
        return score(predictions, references, true);
    }

    /**
     * The mean over examples of {@link #scoreExample}.
     *
     * @param predictions one text per example
     * @param references the references of each example, parallel to {@code predictions} (at least one each)
     * @param useStemmer whether tokens are stemmed ({@code use_stemmer})
     */
    public static RougeScores score(List<String> predictions, List<List<String>> references, boolean useStemmer) {
        Objects.requireNonNull(predictions, "predictions");
        Objects.requireNonNull(references, "references");
        if (predictions.isEmpty()) {
            throw new IllegalArgumentException("no predictions to score");
        }
        if (predictions.size() != references.size()) {
            throw new IllegalArgumentException(
                    predictions.size() + " predictions but references for " + references.size());
        }
        Map<String, String> stems = new HashMap<>();
        double[][] sums = new double[3][3];
        for (int i = 0; i < predictions.size(); i++) {
            RougeScores example = scoreExample(predictions.get(i), references.get(i), useStemmer, stems);
            add(sums[0], example.rouge1());
            add(sums[1], example.rouge2());
            add(sums[2], example.rougeL());
        }
        int n = predictions.size();
        return new RougeScores(mean(sums[0], n), mean(sums[1], n), mean(sums[2], n));
    }

    /**
     * The scores of one prediction against its references ({@code score_multi}): per variant, those of the first
     * reference with the highest F1.
     */
    public static RougeScores scoreExample(String prediction, List<String> references, boolean useStemmer) {
        return scoreExample(prediction, references, useStemmer, new HashMap<>());
    }

    /** The scores of one prediction against one reference ({@code RougeScorer.score(target, prediction)}). */
    public static RougeScores scoreExample(String prediction, String reference, boolean useStemmer) {
        return scoreExample(prediction, List.of(reference), useStemmer);
    }

    /** The tokens rouge_score compares ({@code tokenize.tokenize}). */
    public static List<String> tokenize(String text, boolean useStemmer) {
        return tokenize(text, useStemmer, new HashMap<>());
    }

    private static RougeScores scoreExample(String prediction, List<String> references, boolean useStemmer,
            Map<String, String> stems) {
        Objects.requireNonNull(prediction, "prediction");
        Objects.requireNonNull(references, "references");
        if (references.isEmpty()) {
            throw new IllegalArgumentException("a prediction needs at least one reference");
        }
        List<String> predicted = tokenize(prediction, useStemmer, stems);
        RougeMeasure best1 = null;
        RougeMeasure best2 = null;
        RougeMeasure bestL = null;
        for (String reference : references) {
            List<String> target = tokenize(Objects.requireNonNull(reference, "reference"), useStemmer, stems);
            RougeMeasure rouge1 = ngramScore(target, predicted, 1);
            RougeMeasure rouge2 = ngramScore(target, predicted, 2);
            RougeMeasure rougeL = lcsScore(target, predicted);
            // np.argmax: the first maximum wins
            best1 = best1 == null || rouge1.fmeasure() > best1.fmeasure() ? rouge1 : best1;
            best2 = best2 == null || rouge2.fmeasure() > best2.fmeasure() ? rouge2 : best2;
            bestL = bestL == null || rougeL.fmeasure() > bestL.fmeasure() ? rougeL : bestL;
        }
        return new RougeScores(best1, best2, bestL);
    }

    private static List<String> tokenize(String text, boolean useStemmer, Map<String, String> stems) {
        Objects.requireNonNull(text, "text");
        String cleaned = NON_ALPHANUMERIC.matcher(text.toLowerCase(Locale.ROOT)).replaceAll(" ");
        List<String> tokens = new ArrayList<>();
        for (String token : SPACES.split(cleaned, -1)) {
            String kept = useStemmer && token.length() > 3 ? stems.computeIfAbsent(token, PorterStemmer::stem) : token;
            if (VALID_TOKEN.matcher(kept).matches()) {
                tokens.add(kept);
            }
        }
        return tokens;
    }

    /** ROUGE-N of {@code _score_ngrams}: clipped matches over the n-gram counts (at least 1). */
    static RougeMeasure ngramScore(List<String> target, List<String> prediction, int n) {
        Map<List<String>, Integer> targetCounts = ngrams(target, n);
        Map<List<String>, Integer> predictionCounts = ngrams(prediction, n);
        long overlap = 0;
        for (Map.Entry<List<String>, Integer> entry : targetCounts.entrySet()) {
            overlap += Math.min(entry.getValue(), predictionCounts.getOrDefault(entry.getKey(), 0));
        }
        int targetTotal = Math.max(0, target.size() - n + 1);
        int predictionTotal = Math.max(0, prediction.size() - n + 1);
        return RougeMeasure.of(overlap / (double) Math.max(predictionTotal, 1),
                overlap / (double) Math.max(targetTotal, 1));
    }

    /** ROUGE-L of {@code _score_lcs}. */
    static RougeMeasure lcsScore(List<String> target, List<String> prediction) {
        if (target.isEmpty() || prediction.isEmpty()) {
            return new RougeMeasure(0, 0, 0);
        }
        int lcs = RougeCoco.lcsLength(target.toArray(String[]::new), prediction.toArray(String[]::new));
        return RougeMeasure.of(lcs / (double) prediction.size(), lcs / (double) target.size());
    }

    private static Map<List<String>, Integer> ngrams(List<String> tokens, int n) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int i = 0; i + n <= tokens.size(); i++) {
            counts.merge(List.copyOf(tokens.subList(i, i + n)), 1, Integer::sum);
        }
        return counts;
    }

    private static void add(double[] sums, RougeMeasure measure) {
        sums[0] += measure.precision();
        sums[1] += measure.recall();
        sums[2] += measure.fmeasure();
    }

    private static RougeMeasure mean(double[] sums, int n) {
        return new RougeMeasure(sums[0] / n, sums[1] / n, sums[2] / n);
    }
}
