package io.github.peft4j.datasets.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Corpus NIST (5-grams) as the official E2E NLG Challenge scorer ({@code measure_scores.py} of
 * tuetschek/e2e-metrics) reports it, on all references of each MR. The scorer has two implementations, which
 * disagree; {@link Implementation#MTEVAL_PERL} (its default) is what {@link #score(List, List)} follows.
 *
 * <p>{@link Implementation#MTEVAL_PERL}, {@code mteval/mteval-v13a-sig.pl} (NIST mteval-v13a): tokenisation as
 * {@link MtevalBleu}, lowercased (ASCII only). The information of an n-gram is
 * {@code -log2(count(ngram) / count(its first n-1 words))} over all reference segments, with the total number of
 * reference words for unigrams; as in the Perl, a prefix that is the single token {@code 0} (false in Perl) also
 * takes the total number of words. Each hypothesis n-gram found in the segment's references adds its information
 * times its clipped count; the score sums, over n = 1..5, that information divided by the number of hypothesis
 * n-grams, times the length penalty {@code exp(-beta * log(ratio)^2)} ({@code beta} makes it 0.5 at ratio 2/3) of
 * {@code ratio = hypothesis words / (all reference words / r)}. Plain mteval-v13a takes for {@code r} the number
 * of reference systems; the scorer's edited script (the version in tuetschek/e2e-metrics that counts non-empty
 * references per segment) takes the mean number of non-empty references per segment, which is what this follows.
 * Verified: 8.6939 for the TGen baseline on the E2E test set (the unedited divisor would give 8.7162). Where
 * the references hold no word at all, where mteval would die dividing by zero, the penalty is taken as 1.
 *
 * <p>{@link Implementation#PYMTEVAL}, the scorer's Python port {@code metrics/pymteval.py} ({@code -p}): same
 * information values without the {@code 0} quirk, lowercased with Python's {@code lower()} per token, but the
 * length penalty uses the sum over segments of each segment's mean reference length; its tokeniser turns an
 * empty string into one empty token, and it counts {@code length - n + 1} hypothesis n-grams even when that is
 * negative. Where the original port divides by zero (no hypothesis n-grams of an order), this follows the
 * e2e-metrics forks that use 1 instead. Verified: 8.6435 for the same system.
 */
public final class Nist {
    /** NIST's maximum n-gram order. */
    public static final int MAX_ORDER = 5;

    /** {@code -log(0.5) / log(1.5)^2}: the penalty is 0.5 when the output is 2/3 of the reference length. */
    static final double BETA = -Math.log(0.5) / Math.log(1.5) / Math.log(1.5);

    /** The E2E scorer's two NIST implementations. */
    public enum Implementation {
        /** {@code mteval-v13a-sig.pl}, the scorer's default (Perl) path. */
        MTEVAL_PERL,
        /** {@code pymteval.py}, the scorer's {@code --python} path. */
        PYMTEVAL
    }

    private Nist() {}

    /** NIST as the E2E scorer's default Perl path computes it (lowercased). */
    public static NistScore score(List<String> hypotheses, List<List<String>> references) {
        return score(hypotheses, references, Implementation.MTEVAL_PERL);
    }

    /** NIST as the given implementation of the E2E scorer computes it (lowercased). */
    public static NistScore score(List<String> hypotheses, List<List<String>> references,
            Implementation implementation) {
        return score(hypotheses, references, implementation, false);
    }

    /** As {@link #score(List, List, Implementation)}; {@code preserveCase} is mteval's {@code -c}. */
    public static NistScore score(List<String> hypotheses, List<List<String>> references,
            Implementation implementation, boolean preserveCase) {
        return switch (implementation) {
            case MTEVAL_PERL -> perl(MtevalCorpus.of(hypotheses, references, preserveCase));
            case PYMTEVAL -> python(hypotheses, references, preserveCase);
        };
    }

    private static NistScore perl(MtevalCorpus corpus) {
        // compute_ngram_info: counts over every reference segment of every reference system
        Map<String, Integer> refCounts = new HashMap<>();
        long totalWords = 0;
        for (List<List<String>> refs : corpus.references) {
            for (List<String> ref : refs) {
                totalWords += ref.size();
                for (Map<String, Integer> order : NGramCounts.byOrder(ref, MAX_ORDER)) {
                    order.forEach((ngram, count) -> refCounts.merge(ngram, count, Integer::sum));
                }
            }
        }
        Map<String, Double> info = new HashMap<>();
        for (Map.Entry<String, Integer> entry : refCounts.entrySet()) {
            String prefix = NGramCounts.prefix(entry.getKey());
            boolean perlFalse = prefix.isEmpty() || prefix.equals("0");
            double denominator = perlFalse ? totalWords : refCounts.get(prefix);
            info.put(entry.getKey(), -Math.log(entry.getValue() / denominator) / Math.log(2));
        }

        double[] hypInfo = new double[MAX_ORDER + 1];
        long[] hypCount = new long[MAX_ORDER + 1];
        long refWords = 0;
        long nonEmptyRefs = 0;
        for (int segment = 0; segment < corpus.hypotheses.size(); segment++) {
            List<String> hyp = corpus.hypotheses.get(segment);
            List<List<String>> refs = corpus.references.get(segment);
            for (int n = 1; n <= MAX_ORDER; n++) {
                hypCount[n] += Math.max(0, hyp.size() - n + 1);
            }
            List<Map<String, Integer>> refMax = NGramCounts.empty(MAX_ORDER);
            for (List<String> ref : refs) {
                refWords += ref.size();
                if (!ref.isEmpty()) {
                    nonEmptyRefs++;
                }
                NGramCounts.maxInto(refMax, NGramCounts.byOrder(ref, MAX_ORDER));
            }
            List<Map<String, Integer>> hypCounts = NGramCounts.byOrder(hyp, MAX_ORDER);
            for (int n = 1; n <= MAX_ORDER; n++) {
                Map<String, Integer> available = refMax.get(n - 1);
                for (Map.Entry<String, Integer> entry : hypCounts.get(n - 1).entrySet()) {
                    Integer max = available.get(entry.getKey());
                    if (max != null) {
                        hypInfo[n] += info.get(entry.getKey()) * Math.min(entry.getValue(), max);
                    }
                }
            }
        }
        double[] perOrder = new double[MAX_ORDER];
        double sum = 0;
        for (int n = 1; n <= MAX_ORDER; n++) {
            perOrder[n - 1] = hypInfo[n] / Math.max(hypCount[n], 1);
            sum += perOrder[n - 1];
        }
        // the scorer's edit: "number of systems" = mean number of non-empty references per segment
        double referencesPerSegment = (double) nonEmptyRefs / corpus.hypotheses.size();
        double averageReference = refWords == 0 ? 0 : refWords / referencesPerSegment;
        double penalty = refWords == 0 ? (hypCount[1] > 0 ? 1 : 0) : lengthPenalty(hypCount[1] / averageReference);
        return new NistScore(sum * penalty, perOrder, penalty, hypCount[1], averageReference,
                Implementation.MTEVAL_PERL);
    }

    private static NistScore python(List<String> hypotheses, List<List<String>> references, boolean preserveCase) {
        MtevalCorpus.checkParallel(hypotheses, references);
        List<Map<String, Integer>> refTotals = NGramCounts.empty(MAX_ORDER);
        long zeroGrams = 0;
        double averageReferenceSum = 0;
        long[] candidateLengths = new long[MAX_ORDER];
        List<List<Map<String, Integer>>> hits = new ArrayList<>();
        for (int segment = 0; segment < hypotheses.size(); segment++) {
            List<String> refTexts = references.get(segment);
            if (refTexts.isEmpty()) {
                throw new IllegalArgumentException("hypothesis " + segment + " has no reference");
            }
            List<String> hyp = pythonTokens(hypotheses.get(segment), preserveCase);
            List<List<String>> refs = new ArrayList<>();
            for (String ref : refTexts) {
                refs.add(pythonTokens(ref, preserveCase));
            }
            List<Map<String, Integer>> refMax = NGramCounts.empty(MAX_ORDER);
            long refLengthSum = 0;
            for (List<String> ref : refs) {
                refLengthSum += ref.size();
                List<Map<String, Integer>> counts = NGramCounts.byOrder(ref, MAX_ORDER);
                NGramCounts.maxInto(refMax, counts);
                NGramCounts.sumInto(refTotals, counts);
            }
            List<Map<String, Integer>> hypCounts = NGramCounts.byOrder(hyp, MAX_ORDER);
            List<Map<String, Integer>> segmentHits = NGramCounts.empty(MAX_ORDER);
            for (int n = 0; n < MAX_ORDER; n++) {
                candidateLengths[n] += hyp.size() - n;
                Map<String, Integer> available = refMax.get(n);
                Map<String, Integer> found = segmentHits.get(n);
                hypCounts.get(n).forEach((ngram, count) -> {
                    int hit = Math.min(count, available.getOrDefault(ngram, 0));
                    if (hit > 0) {
                        found.put(ngram, hit);
                    }
                });
            }
            hits.add(segmentHits);
            zeroGrams += refLengthSum;
            averageReferenceSum += refLengthSum / (double) refs.size();
        }
        double[] hitInfo = new double[MAX_ORDER];
        for (List<Map<String, Integer>> segmentHits : hits) {
            for (int n = 0; n < MAX_ORDER; n++) {
                double segmentInfo = 0;
                for (Map.Entry<String, Integer> entry : segmentHits.get(n).entrySet()) {
                    segmentInfo += pythonInfo(entry.getKey(), n + 1, refTotals, zeroGrams) * entry.getValue();
                }
                hitInfo[n] += segmentInfo;
            }
        }
        double[] perOrder = new double[MAX_ORDER];
        double sum = 0;
        for (int n = 0; n < MAX_ORDER; n++) {
            long total = candidateLengths[n] == 0 ? 1 : candidateLengths[n];
            perOrder[n] = hitInfo[n] / total;
            sum += perOrder[n];
        }
        double ratio = candidateLengths[0] / averageReferenceSum;
        double penalty = lengthPenalty(ratio);
        return new NistScore(penalty * sum, perOrder, penalty, candidateLengths[0], averageReferenceSum,
                Implementation.PYMTEVAL);
    }

    /** {@code NISTScore.info} of pymteval: log2(count of the prefix / count of the n-gram), 0 if unseen. */
    private static double pythonInfo(String ngram, int order, List<Map<String, Integer>> refTotals, long zeroGrams) {
        Integer count = refTotals.get(order - 1).get(ngram);
        if (count == null) {
            return 0.0;
        }
        double prefixCount = order == 1 ? zeroGrams : refTotals.get(order - 2).get(NGramCounts.prefix(ngram));
        return Math.log(prefixCount / count) / Math.log(2);
    }

    /** pymteval's {@code tokenize} followed by its per-token lowercasing ({@code tok.lower()}). */
    static List<String> pythonTokens(String sentence, boolean preserveCase) {
        String text = sentence.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
                .replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
        text = " " + text + " ";
        text = Mteval13aTokenizer.PUNCTUATION.matcher(text).replaceAll(" $1 ");
        text = Mteval13aTokenizer.PERIOD_COMMA_NOT_AFTER_DIGIT.matcher(text).replaceAll("$1 $2 ");
        text = Mteval13aTokenizer.PERIOD_COMMA_NOT_BEFORE_DIGIT.matcher(text).replaceAll(" $1 $2");
        text = Mteval13aTokenizer.DASH_AFTER_DIGIT.matcher(text).replaceAll("$1 $2 ");
        text = Mteval13aTokenizer.stripPython(Mteval13aTokenizer.collapsePythonWhitespace(text));
        List<String> tokens = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= text.length(); i++) {
            if (i == text.length() || text.charAt(i) == ' ') {
                String token = text.substring(start, i);
                tokens.add(preserveCase ? token : Mteval13aTokenizer.lowercasePython(token));
                start = i + 1;
            }
        }
        return tokens;
    }

    /** mteval's {@code nist_length_penalty}. */
    static double lengthPenalty(double ratio) {
        if (ratio >= 1) {
            return 1;
        }
        if (ratio <= 0) {
            return 0;
        }
        double log = Math.log(ratio);
        return Math.exp(-BETA * log * log);
    }
}
