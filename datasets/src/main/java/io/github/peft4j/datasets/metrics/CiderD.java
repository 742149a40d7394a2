package io.github.peft4j.datasets.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * CIDEr as the E2E NLG Challenge scorer reports it ({@code CIDEr}, e.g. 2.2075 for TGen on the E2E test set): the
 * {@code Cider} scorer of pycocoevalcap ({@code pycocoevalcap/cider/cider.py} and {@code cider_scorer.py} of
 * tylin/coco-caption, the Python 3 copy bundled in tuetschek/e2e-metrics), after {@link CocoTokenizer}. Despite its
 * name that scorer computes CIDEr-D (Vedantam et al. 2015): clipped n-gram weights and a Gaussian length penalty.
 *
 * <p>Texts are split at whitespace and cut into n-grams, n = 1..4. Document frequencies are counted over the evaluated
 * corpus itself: {@code df(g)} is the number of examples with {@code g} in at least one of their references, and
 * {@code idf(g) = ln(N) - ln(max(1, df(g)))} with N the number of examples. Each text becomes, per n, a vector of
 * {@code count(g) · idf(g)}. For a hypothesis h and reference r, per n:
 * {@code sim_n = Σ_g min(h_g, r_g) · r_g / (|h_n| |r_n|) · exp(-δ² / (2σ²))} with σ = 6 (the division only when both
 * norms are non-zero), where δ is the difference of the two texts' <em>bigram</em> counts (the scorer's "length" counts
 * the 2-grams, so it is one less than the word count for a non-empty text). An example's score is
 * {@code 10 · mean_n(Σ_r sim_n) / |references|}; the corpus score is the mean over examples.
 *
 * <p>Texts without n-grams of some order (an empty text, or one shorter than four words) contribute 0 for that order:
 * the current {@code cider_scorer.py} divides only by non-zero norms (older copies divided 0 by 0 and gave NaN). A
 * corpus of one example scores 0, since every reference n-gram then has idf {@code ln 1 - ln 1 = 0}.
 */
public final class CiderD {
    /** The largest n-gram order. */
    public static final int N = 4;
    /** The standard deviation of the Gaussian length penalty. */
    public static final double SIGMA = 6.0;

    private CiderD() {}

    /**
     * The corpus CIDEr-D of raw (untokenized) texts, tokenized first as the E2E scorer does.
     *
     * @param hypotheses one text per example
     * @param references the references of each example, parallel to {@code hypotheses} (at least one each)
     */
    public static double score(List<String> hypotheses, List<List<String>> references) {
        RougeCoco.checkShape(hypotheses, references);
        return scoreTokenized(CocoTokenizer.tokenize(hypotheses), CocoTokenizer.tokenizeReferences(references));
    }

    /** The corpus CIDEr-D of texts already tokenized by {@link CocoTokenizer}. */
    public static double scoreTokenized(List<String> hypotheses, List<List<String>> references) {
        double[] scores = sentenceScoresTokenized(hypotheses, references);
        double sum = 0;
        for (double score : scores) {
            sum += score;
        }
        return sum / scores.length;
    }

    /**
     * The CIDEr-D of each example (with the document frequencies of the whole corpus), texts already tokenized by
     * {@link CocoTokenizer}.
     */
    public static double[] sentenceScoresTokenized(List<String> hypotheses, List<List<String>> references) {
        RougeCoco.checkShape(hypotheses, references);
        int examples = hypotheses.size();
        List<Map<List<String>, Integer>> tests = new ArrayList<>(examples);
        List<List<Map<List<String>, Integer>>> refs = new ArrayList<>(examples);
        Map<List<String>, Integer> documentFrequency = new HashMap<>();
        for (int i = 0; i < examples; i++) {
            tests.add(ngramCounts(hypotheses.get(i)));
            List<Map<List<String>, Integer>> cooked = new ArrayList<>();
            Set<List<String>> seen = new HashSet<>();
            for (String reference : references.get(i)) {
                Map<List<String>, Integer> counts = ngramCounts(Objects.requireNonNull(reference, "reference"));
                cooked.add(counts);
                seen.addAll(counts.keySet());
            }
            refs.add(cooked);
            for (List<String> ngram : seen) {
                documentFrequency.merge(ngram, 1, Integer::sum);
            }
        }
        double logExamples = Math.log(examples);
        double[] scores = new double[examples];
        for (int i = 0; i < examples; i++) {
            Vector test = new Vector(tests.get(i), documentFrequency, logExamples);
            double[] sum = new double[N];
            for (Map<List<String>, Integer> reference : refs.get(i)) {
                Vector ref = new Vector(reference, documentFrequency, logExamples);
                double[] similarity = similarity(test, ref);
                for (int n = 0; n < N; n++) {
                    sum[n] += similarity[n];
                }
            }
            double mean = 0;
            for (double value : sum) {
                mean += value;
            }
            mean /= N;
            scores[i] = mean / refs.get(i).size() * 10.0;
        }
        return scores;
    }

    /** The 1..4-gram counts of a text split at whitespace as Python's {@code str.split()}, in first-seen order. */
    static Map<List<String>, Integer> ngramCounts(String text) {
        List<String> words = splitWhitespace(text);
        Map<List<String>, Integer> counts = new LinkedHashMap<>();
        for (int k = 1; k <= N; k++) {
            for (int i = 0; i + k <= words.size(); i++) {
                counts.merge(List.copyOf(words.subList(i, i + k)), 1, Integer::sum);
            }
        }
        return counts;
    }

    /** Python's {@code str.split()} without arguments: runs of Unicode whitespace separate, no empty strings. */
    static List<String> splitWhitespace(String text) {
        List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < text.length(); i++) {
            if (isPythonSpace(text.charAt(i))) {
                if (start >= 0) {
                    words.add(text.substring(start, i));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
        }
        if (start >= 0) {
            words.add(text.substring(start));
        }
        return words;
    }

    /** Python's {@code str.isspace()} for one character (its whitespace includes U+00A0 and U+001C..U+001F). */
    private static boolean isPythonSpace(char c) {
        return (c >= '\t' && c <= '\r') || (c >= '\u001C' && c <= ' ') || c == '\u0085' || c == '\u00A0'
                || c == '\u1680' || (c >= '\u2000' && c <= '\u200A') || c == '\u2028' || c == '\u2029'
                || c == '\u202F' || c == '\u205F' || c == '\u3000';
    }

    /** The tf-idf vectors of one text per n-gram order, their norms, and its "length" (the number of 2-grams). */
    private static final class Vector {
        final List<Map<List<String>, Double>> weights = new ArrayList<>(N);
        final double[] norms = new double[N];
        final int length;

        Vector(Map<List<String>, Integer> counts, Map<List<String>, Integer> documentFrequency, double logExamples) {
            for (int n = 0; n < N; n++) {
                weights.add(new LinkedHashMap<>());
            }
            int bigrams = 0;
            for (Map.Entry<List<String>, Integer> entry : counts.entrySet()) {
                List<String> ngram = entry.getKey();
                int n = ngram.size() - 1;
                double df = Math.log(Math.max(1.0, documentFrequency.getOrDefault(ngram, 0)));
                double weight = entry.getValue() * (logExamples - df);
                weights.get(n).put(ngram, weight);
                norms[n] += weight * weight;
                if (n == 1) {
                    bigrams += entry.getValue();
                }
            }
            for (int n = 0; n < N; n++) {
                norms[n] = Math.sqrt(norms[n]);
            }
            length = bigrams;
        }
    }

    private static double[] similarity(Vector hypothesis, Vector reference) {
        double delta = hypothesis.length - reference.length;
        double penalty = Math.exp(-(delta * delta) / (2 * SIGMA * SIGMA));
        double[] value = new double[N];
        for (int n = 0; n < N; n++) {
            Map<List<String>, Double> referenceWeights = reference.weights.get(n);
            for (Map.Entry<List<String>, Double> entry : hypothesis.weights.get(n).entrySet()) {
                double referenceWeight = referenceWeights.getOrDefault(entry.getKey(), 0.0);
                value[n] += Math.min(entry.getValue(), referenceWeight) * referenceWeight;
            }
            if (hypothesis.norms[n] != 0 && reference.norms[n] != 0) {
                value[n] /= hypothesis.norms[n] * reference.norms[n];
            }
            value[n] *= penalty;
        }
        return value;
    }
}
