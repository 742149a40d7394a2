package io.github.peft4j.datasets.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Corpus TER (translation edit rate, Snover et al. 2006) exactly as sacreBLEU 2.6.0 computes it
 * ({@code sacrebleu/metrics/ter.py}, {@code lib_ter.py}, {@code tokenizers/tokenizer_ter.py}); the signature
 * follows that version's format, {@code nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0}.
 *
 * <p>Defaults as sacreBLEU's {@code TER()}: {@code normalized=False} (no tokenisation at all: words are what
 * whitespace separates, so {@code cat.} and {@code cat} differ), {@code no_punct=False},
 * {@code asian_support=False}, {@code case_sensitive=False} (lowercased). For each hypothesis the edits are those
 * of the reference needing the fewest (shifts included, see {@link TerEditRate}), and the length is the mean length
 * of all its references; TER = 100 * total edits / total mean reference length (100 if the references are empty
 * but the hypotheses are not, 0 if both are). {@code null} references are missing ones, as in
 * {@link SacreBleu}; an empty string is an empty reference, against which every hypothesis word is one edit.
 */
public final class Ter {

    /**
     * sacreBLEU's TER options.
     *
     * @param normalized Tercom's normalisation: hyphenation joins ({@code \n-}), entities, 13a-like punctuation
     *     splitting and possessive {@code 's}
     * @param noPunct remove {@code . , ? : ; ! " ( )}
     * @param asianSupport split CJK characters and punctuation (only with one of the above)
     * @param caseSensitive do not lowercase
     */
    public record Options(boolean normalized, boolean noPunct, boolean asianSupport, boolean caseSensitive) {
        /** sacreBLEU's defaults: everything off, case-insensitive. */
        public static final Options DEFAULTS = new Options(false, false, false, false);
    }

    private static final Pattern HYPHENATION = Pattern.compile("\n-");
    private static final Pattern POSSESSIVE = Pattern.compile("'s ");
    private static final Pattern POSSESSIVE_AT_END = Pattern.compile("'s$", Pattern.UNIX_LINES);
    private static final Pattern CJK = Pattern.compile("([\\u4e00-\\u9fff\\u3400-\\u4dbf])");
    private static final Pattern CJK_STROKES = Pattern.compile("([\\u31c0-\\u31ef\\u2e80-\\u2eff])");
    private static final Pattern CJK_COMPATIBILITY = Pattern.compile("([\\u3300-\\u33ff\\uf900-\\ufaff\\ufe30-\\ufe4f])");
    private static final Pattern CJK_ENCLOSED = Pattern.compile("([\\u3200-\\u3f22])");
    private static final Pattern HIRAGANA = Pattern.compile(
            "(^|^[\\u3040-\\u309f])([\\u3040-\\u309f]+)(?=$|^[\\u3040-\\u309f])", Pattern.UNIX_LINES);
    private static final Pattern KATAKANA = Pattern.compile(
            "(^|^[\\u30a0-\\u30ff])([\\u30a0-\\u30ff]+)(?=$|^[\\u30a0-\\u30ff])", Pattern.UNIX_LINES);
    private static final Pattern KATAKANA_EXTENSIONS = Pattern.compile(
            "(^|^[\\u31f0-\\u31ff])([\\u31f0-\\u31ff]+)(?=$|^[\\u31f0-\\u31ff])", Pattern.UNIX_LINES);
    private static final Pattern ASIAN_PUNCT =
            Pattern.compile("([\\u3001\\u3002\\u3008-\\u3011\\u3014-\\u301f\\uff61-\\uff65\\u30fb])");
    private static final Pattern FULL_WIDTH_PUNCT =
            Pattern.compile("([\\uff0e\\uff0c\\uff1f\\uff1a\\uff1b\\uff01\\uff02\\uff08\\uff09])");
    private static final Pattern PUNCT = Pattern.compile("[\\.,\\?:;!\\\"\\(\\)]");

    private Ter() {}

    /** sacreBLEU's {@code TER().corpus_score(hypotheses, references)} with its defaults. */
    public static TerScore corpusScore(List<String> hypotheses, List<List<String>> references) {
        return corpusScore(hypotheses, references, Options.DEFAULTS);
    }

    /** sacreBLEU's {@code TER(**options).sentence_score(hypothesis, references)}. */
    public static TerScore sentenceScore(String hypothesis, List<String> references, Options options) {
        return corpusScore(List.of(hypothesis), List.of(references), options);
    }

    /** sacreBLEU's {@code TER(**options).corpus_score(hypotheses, references)}. */
    public static TerScore corpusScore(List<String> hypotheses, List<List<String>> references, Options options) {
        SacreBleu.checkCorpus(hypotheses, references);
        long totalEdits = 0;
        double sumReferenceLengths = 0;
        TreeSet<Integer> referenceCounts = new TreeSet<>();
        for (int i = 0; i < hypotheses.size(); i++) {
            List<List<String>> refWords = new ArrayList<>();
            for (String ref : references.get(i)) {
                if (ref != null) {
                    refWords.add(words(ref, options));
                }
            }
            if (refWords.isEmpty()) {
                throw new IllegalArgumentException("hypothesis " + i + " has no reference");
            }
            referenceCounts.add(refWords.size());
            List<String> hypWords = words(hypotheses.get(i), options);
            long refLengths = 0;
            long bestEdits = 10_000_000_000_000_000L;
            for (List<String> ref : refWords) {
                long[] result = TerEditRate.compute(hypWords, ref);
                refLengths += result[1];
                bestEdits = Math.min(bestEdits, result[0]);
            }
            totalEdits += bestEdits;
            sumReferenceLengths += (double) refLengths / refWords.size();
        }
        double score;
        if (sumReferenceLengths > 0) {
            score = totalEdits / sumReferenceLengths;
        } else if (totalEdits > 0) {
            score = 1.0;
        } else {
            score = 0.0;
        }
        String nrefs = referenceCounts.size() == 1 ? referenceCounts.first().toString() : "var";
        return new TerScore(100 * score, totalEdits, sumReferenceLengths, signature(nrefs, options));
    }

    /** The signature sacreBLEU 2.6.0 prints. */
    static String signature(String nrefs, Options options) {
        return "nrefs:" + nrefs + "|case:" + (options.caseSensitive() ? "mixed" : "lc") + "|tok:tercom|norm:"
                + yesNo(options.normalized()) + "|punct:" + yesNo(!options.noPunct()) + "|asian:"
                + yesNo(options.asianSupport()) + "|version:" + SacreBleu.VERSION;
    }

    private static String yesNo(boolean value) {
        return value ? "yes" : "no";
    }

    /** {@code TER._preprocess_segment} followed by {@code split()}. */
    static List<String> words(String sentence, Options options) {
        return Mteval13aTokenizer.splitPython(tokenize(Mteval13aTokenizer.rstripPython(sentence), options));
    }

    /** {@code TercomTokenizer.__call__}. */
    static String tokenize(String sentence, Options options) {
        if (sentence.isEmpty()) {
            return "";
        }
        String text = sentence;
        if (!options.caseSensitive()) {
            text = text.toLowerCase(Locale.ROOT);
        }
        if (options.normalized()) {
            text = normalizeGeneralAndWestern(text);
            if (options.asianSupport()) {
                text = normalizeAsian(text);
            }
        }
        if (options.noPunct()) {
            text = PUNCT.matcher(text).replaceAll("");
            if (options.asianSupport()) {
                text = ASIAN_PUNCT.matcher(text).replaceAll("");
                text = FULL_WIDTH_PUNCT.matcher(text).replaceAll("");
            }
        }
        return String.join(" ", Mteval13aTokenizer.splitPython(text));
    }

    private static String normalizeGeneralAndWestern(String sentence) {
        String text = HYPHENATION.matcher(sentence).replaceAll("");
        text = text.replace("\n", " ");
        text = text.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
        text = " " + text + " ";
        text = Mteval13aTokenizer.PUNCTUATION.matcher(text).replaceAll(" $1 ");
        text = POSSESSIVE.matcher(text).replaceAll(" 's ");
        text = POSSESSIVE_AT_END.matcher(text).replaceAll(" 's");
        text = Mteval13aTokenizer.PERIOD_COMMA_NOT_AFTER_DIGIT.matcher(text).replaceAll("$1 $2 ");
        text = Mteval13aTokenizer.PERIOD_COMMA_NOT_BEFORE_DIGIT.matcher(text).replaceAll(" $1 $2");
        return Mteval13aTokenizer.DASH_AFTER_DIGIT.matcher(text).replaceAll("$1 $2 ");
    }

    private static String normalizeAsian(String sentence) {
        String text = CJK.matcher(sentence).replaceAll(" $1 ");
        text = CJK_STROKES.matcher(text).replaceAll(" $1 ");
        text = CJK_COMPATIBILITY.matcher(text).replaceAll(" $1 ");
        text = CJK_ENCLOSED.matcher(text).replaceAll(" $1 ");
        text = HIRAGANA.matcher(text).replaceAll("$1 $2 ");
        text = KATAKANA.matcher(text).replaceAll("$1 $2 ");
        text = KATAKANA_EXTENSIONS.matcher(text).replaceAll("$1 $2 ");
        text = ASIAN_PUNCT.matcher(text).replaceAll(" $1 ");
        return FULL_WIDTH_PUNCT.matcher(text).replaceAll(" $1 ");
    }
}
