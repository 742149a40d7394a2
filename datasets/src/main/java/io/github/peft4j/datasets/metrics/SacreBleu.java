package io.github.peft4j.datasets.metrics;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Corpus BLEU exactly as sacreBLEU 2.6.0 ({@code sacrebleu/metrics/bleu.py} and {@code base.py}) computes it; the
 * signature follows that version's format, {@code nrefs:N|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0}.
 *
 * <p>Defaults as sacreBLEU's {@code BLEU()}: the 13a tokeniser ({@link Mteval13aTokenizer#sacreBleu}, applied to
 * {@code line.rstrip()}), mixed case, {@code exp} smoothing (mteval's: the k-th order without matches takes
 * {@code 100 / (2^k * total)}), no effective order, maximum order 4. Per segment: n-gram matches clipped by the
 * largest count in any one reference; the closest reference length, ties to the shorter. The corpus score is
 * {@code BP * exp(sum of log p_n / order)} over the summed statistics, with log(0) floored to {@code -9999999999},
 * orders past the first one without hypothesis n-grams left at precision 0, and 0 when nothing matches at all.
 *
 * <p>References: {@code references.get(i)} holds the references of hypothesis {@code i}; lists may differ in
 * length, which sacreBLEU expresses with {@code None} in its reference streams and reports as {@code nrefs:var}.
 * A {@code null} element is such a missing reference and is dropped; an empty string is a real, empty reference
 * (sacreBLEU 2.6.0 keeps {@code ''}: it counts in {@code nrefs} and offers length 0 for the closest length).
 * A hypothesis without any non-null reference is rejected (sacreBLEU 2.6.0 fails on it).
 */
public final class SacreBleu {
    /** The sacreBLEU release whose behaviour and signature format this class follows. */
    public static final String VERSION = "2.6.0";

    /** sacreBLEU's smoothing methods (Chen &amp; Cherry, 2014). */
    public enum Smoothing {
        /** No smoothing. */
        NONE("none", null),
        /** Method 1: a floor of {@code smooth_value} (default 0.1) matches for orders without matches. */
        FLOOR("floor", 0.1),
        /** Method 2: add {@code smooth_value} (default 1) to matches and totals of orders above 1. */
        ADD_K("add-k", 1.0),
        /** Method 3, mteval-v13a's: {@code 1 / 2^k} matches for the k-th order without matches (the default). */
        EXP("exp", null);

        private final String id;
        private final Double defaultValue;

        Smoothing(String id, Double defaultValue) {
            this.id = id;
            this.defaultValue = defaultValue;
        }
    }

    /** The tokenisers offered here. */
    public enum Tokenizer {
        /** mteval-v13a's tokenisation, sacreBLEU's default. */
        THIRTEEN_A("13a"),
        /** No tokenisation: split on whitespace only (for text tokenised beforehand). */
        NONE("none");

        private final String id;

        Tokenizer(String id) {
            this.id = id;
        }
    }

    /**
     * The options of sacreBLEU's {@code BLEU(...)} that this class supports.
     *
     * @param lowercase {@code lowercase=True}: lowercase with Python's {@code str.lower()} (here the JDK's
     *     locale-independent lowercasing) before tokenising
     * @param tokenizer {@code tokenize}
     * @param smoothing {@code smooth_method}
     * @param smoothValue {@code smooth_value}, {@code null} for the method's default
     * @param effectiveOrder {@code effective_order}
     * @param maxNgramOrder {@code max_ngram_order}
     */
    public record Options(boolean lowercase, Tokenizer tokenizer, Smoothing smoothing, Double smoothValue,
            boolean effectiveOrder, int maxNgramOrder) {
        /** sacreBLEU's defaults. */
        public static final Options DEFAULTS = new Options(false, Tokenizer.THIRTEEN_A, Smoothing.EXP, null, false, 4);

        public Options {
            Objects.requireNonNull(tokenizer, "tokenizer");
            Objects.requireNonNull(smoothing, "smoothing");
            if (maxNgramOrder < 1) {
                throw new IllegalArgumentException("maxNgramOrder must be positive");
            }
        }

        public Options withLowercase(boolean value) {
            return new Options(value, tokenizer, smoothing, smoothValue, effectiveOrder, maxNgramOrder);
        }

        public Options withTokenizer(Tokenizer value) {
            return new Options(lowercase, value, smoothing, smoothValue, effectiveOrder, maxNgramOrder);
        }

        public Options withSmoothing(Smoothing value, Double valueOrNull) {
            return new Options(lowercase, tokenizer, value, valueOrNull, effectiveOrder, maxNgramOrder);
        }

        public Options withEffectiveOrder(boolean value) {
            return new Options(lowercase, tokenizer, smoothing, smoothValue, value, maxNgramOrder);
        }

        public Options withMaxNgramOrder(int value) {
            return new Options(lowercase, tokenizer, smoothing, smoothValue, effectiveOrder, value);
        }
    }

    private SacreBleu() {}

    /** sacreBLEU's {@code BLEU().corpus_score(hypotheses, references)} with its defaults. */
    public static SacreBleuScore corpusScore(List<String> hypotheses, List<List<String>> references) {
        return corpusScore(hypotheses, references, Options.DEFAULTS);
    }

    /** sacreBLEU's {@code BLEU(**options).sentence_score(hypothesis, references)}. */
    public static SacreBleuScore sentenceScore(String hypothesis, List<String> references, Options options) {
        return corpusScore(List.of(hypothesis), List.of(references), options);
    }

    /** sacreBLEU's {@code BLEU(**options).corpus_score(hypotheses, references)}. */
    public static SacreBleuScore corpusScore(List<String> hypotheses, List<List<String>> references,
            Options options) {
        checkCorpus(hypotheses, references);
        int maxOrder = options.maxNgramOrder();
        long sysLength = 0;
        long refLength = 0;
        long[] correct = new long[maxOrder];
        long[] total = new long[maxOrder];
        TreeSet<Integer> referenceCounts = new TreeSet<>();
        for (int i = 0; i < hypotheses.size(); i++) {
            List<Map<String, Integer>> refMax = NGramCounts.empty(maxOrder);
            int[] refLengths = new int[countPresent(references.get(i))];
            int r = 0;
            for (String ref : references.get(i)) {
                if (ref == null) {
                    continue;
                }
                List<String> tokens = tokens(ref, options);
                refLengths[r++] = tokens.size();
                NGramCounts.maxInto(refMax, NGramCounts.byOrder(tokens, maxOrder));
            }
            if (r == 0) {
                throw new IllegalArgumentException("hypothesis " + i + " has no reference");
            }
            referenceCounts.add(r);
            List<String> hyp = tokens(hypotheses.get(i), options);
            sysLength += hyp.size();
            refLength += closestLength(hyp.size(), refLengths);
            List<Map<String, Integer>> hypCounts = NGramCounts.byOrder(hyp, maxOrder);
            for (int n = 0; n < maxOrder; n++) {
                Map<String, Integer> available = refMax.get(n);
                for (Map.Entry<String, Integer> entry : hypCounts.get(n).entrySet()) {
                    total[n] += entry.getValue();
                    Integer max = available.get(entry.getKey());
                    if (max != null) {
                        correct[n] += Math.min(entry.getValue(), max);
                    }
                }
            }
        }
        String nrefs = referenceCounts.size() == 1 ? referenceCounts.first().toString() : "var";
        return computeBleu(correct, total, sysLength, refLength, options, signature(nrefs, options));
    }

    /** The signature sacreBLEU 2.6.0 prints for these options and this number of references per segment. */
    static String signature(String nrefs, Options options) {
        String smooth = options.smoothing().id;
        if (options.smoothing().defaultValue != null) {
            double value = options.smoothValue() != null ? options.smoothValue() : options.smoothing().defaultValue;
            smooth += "[" + SacreBleuScore.fixed(value, 2) + "]";
        }
        return "nrefs:" + nrefs + "|case:" + (options.lowercase() ? "lc" : "mixed") + "|eff:"
                + (options.effectiveOrder() ? "yes" : "no") + "|tok:" + options.tokenizer().id + "|smooth:" + smooth
                + "|version:" + VERSION;
    }

    /** {@code BLEU._preprocess_segment} followed by {@code line.split()}. */
    static List<String> tokens(String line, Options options) {
        String text = options.lowercase() ? line.toLowerCase(Locale.ROOT) : line;
        text = Mteval13aTokenizer.rstripPython(text);
        if (options.tokenizer() == Tokenizer.THIRTEEN_A) {
            text = Mteval13aTokenizer.sacreBleu(text);
        }
        return Mteval13aTokenizer.splitPython(text);
    }

    /** {@code BLEU._get_closest_ref_len}. */
    static int closestLength(int hypothesisLength, int[] referenceLengths) {
        int closestDiff = -1;
        int closestLength = -1;
        for (int length : referenceLengths) {
            int diff = Math.abs(hypothesisLength - length);
            if (closestDiff == -1 || diff < closestDiff) {
                closestDiff = diff;
                closestLength = length;
            } else if (diff == closestDiff && length < closestLength) {
                closestLength = length;
            }
        }
        return closestLength;
    }

    /** {@code BLEU.compute_bleu}. */
    static SacreBleuScore computeBleu(long[] correctCounts, long[] totalCounts, long sysLength, long refLength,
            Options options, String signature) {
        int maxOrder = options.maxNgramOrder();
        double[] correct = new double[maxOrder];
        double[] total = new double[maxOrder];
        boolean anyCorrect = false;
        for (int n = 0; n < maxOrder; n++) {
            correct[n] = correctCounts[n];
            total[n] = totalCounts[n];
            anyCorrect |= correctCounts[n] != 0;
        }
        double smoothValue = options.smoothValue() != null ? options.smoothValue()
                : options.smoothing().defaultValue != null ? options.smoothing().defaultValue : 0;
        double bp = 1.0;
        if (sysLength < refLength) {
            bp = sysLength > 0 ? Math.exp(1 - (double) refLength / sysLength) : 0.0;
        }
        double[] precisions = new double[maxOrder];
        if (!anyCorrect) {
            return new SacreBleuScore(0.0, precisions, bp, sysLength, refLength, correct, total, signature);
        }
        double smoothMteval = 1.0;
        int effectiveOrder = maxOrder;
        for (int n = 1; n <= maxOrder; n++) {
            if (options.smoothing() == Smoothing.ADD_K && n > 1) {
                correct[n - 1] += smoothValue;
                total[n - 1] += smoothValue;
            }
            if (total[n - 1] == 0) {
                break;
            }
            if (options.effectiveOrder()) {
                effectiveOrder = n;
            }
            if (correct[n - 1] == 0) {
                if (options.smoothing() == Smoothing.EXP) {
                    smoothMteval *= 2;
                    precisions[n - 1] = 100.0 / (smoothMteval * total[n - 1]);
                } else if (options.smoothing() == Smoothing.FLOOR) {
                    precisions[n - 1] = 100.0 * smoothValue / total[n - 1];
                }
            } else {
                precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1];
            }
        }
        double logSum = 0;
        for (int n = 0; n < effectiveOrder; n++) {
            logSum += precisions[n] == 0.0 ? -9999999999.0 : Math.log(precisions[n]);
        }
        double score = bp * Math.exp(logSum / effectiveOrder);
        return new SacreBleuScore(score, precisions, bp, sysLength, refLength, correct, total, signature);
    }

    static int countPresent(List<String> references) {
        int count = 0;
        for (String ref : references) {
            if (ref != null) {
                count++;
            }
        }
        return count;
    }

    /** Hypotheses and reference lists parallel and non-null (reference elements may be null: missing). */
    static void checkCorpus(List<String> hypotheses, List<List<String>> references) {
        Objects.requireNonNull(hypotheses, "hypotheses");
        Objects.requireNonNull(references, "references");
        if (hypotheses.size() != references.size()) {
            throw new IllegalArgumentException("hypotheses (" + hypotheses.size() + ") and reference lists ("
                    + references.size() + ") differ in number");
        }
        if (hypotheses.isEmpty()) {
            throw new IllegalArgumentException("empty corpus");
        }
        for (int i = 0; i < hypotheses.size(); i++) {
            if (hypotheses.get(i) == null) {
                throw new IllegalArgumentException("Undefined line in hypotheses stream: " + i);
            }
            if (references.get(i) == null) {
                throw new IllegalArgumentException("references of hypothesis " + i + " are null");
            }
        }
    }
}
