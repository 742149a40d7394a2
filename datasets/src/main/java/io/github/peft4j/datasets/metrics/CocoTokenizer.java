package io.github.peft4j.datasets.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The tokenisation that pycocoevalcap's {@code PTBTokenizer} wrapper ({@code pycocoevalcap/tokenizer/ptbtokenizer.py}
 * of tylin/coco-caption, as bundled in tuetschek/e2e-metrics, the E2E NLG Challenge scorer) applies before ROUGE-L
 * and CIDEr: all captions of one call are written one per line (newlines inside a caption become spaces), tokenized by
 * Stanford CoreNLP 3.4.1's PTBTokenizer with {@code -preserveLines -lowerCase} ({@link PtbTokenizer}), and from each
 * line the tokens {@code '' ' `` ` -LRB- -RRB- -LCB- -RCB- . ? ! , : - -- ... ;} are dropped before the rest is joined
 * with single spaces.
 *
 * <p>As in the original, the list is compared with the <em>lower-cased</em> tokens, so {@code -lrb-} and {@code -rrb-}
 * (from parentheses) stay, and a caption without tokens becomes the empty string. Tokenizing all captions of a call as
 * one text matters only where the lexer looks past the end of a line (an abbreviation such as {@code etc.} at the end of
 * a caption keeps or repeats its period depending on the next caption's first letter), and this class does the same.
 * Deviation: other line separators inside a caption ({@code \r}, U+2028, U+2029, U+000B, U+000C) are turned into spaces;
 * the original would break the line there and so misalign every later caption.
 */
public final class CocoTokenizer {
    /** The tokens the wrapper removes ({@code PUNCTUATIONS} in ptbtokenizer.py). */
    private static final Set<String> PUNCTUATIONS =
            Set.of("''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!", ",", ":", "-", "--", "...",
                    ";");

    private static final Pattern LINE_BREAKS = Pattern.compile("[\\n\\r\\u2028\\u2029\\u000B\\u000C]");

    private CocoTokenizer() {}

    /** Each caption as the wrapper returns it: lower-cased tokens without punctuation, joined by single spaces. */
    public static List<String> tokenize(List<String> captions) {
        Objects.requireNonNull(captions, "captions");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < captions.size(); i++) {
            if (i > 0) {
                text.append('\n');
            }
            text.append(LINE_BREAKS.matcher(Objects.requireNonNull(captions.get(i), "caption")).replaceAll(" "));
        }
        List<List<String>> lines = PtbTokenizer.tokenizeLines(text.toString());
        if (lines.size() != Math.max(1, captions.size())) {
            throw new IllegalStateException("tokenizer returned " + lines.size() + " lines for " + captions.size());
        }
        List<String> tokenized = new ArrayList<>(captions.size());
        for (int i = 0; i < captions.size(); i++) {
            StringBuilder caption = new StringBuilder();
            for (String token : lines.get(i)) {
                String lower = token.toLowerCase(Locale.ENGLISH);
                if (!PUNCTUATIONS.contains(lower)) {
                    if (caption.length() > 0) {
                        caption.append(' ');
                    }
                    caption.append(lower);
                }
            }
            tokenized.add(caption.toString());
        }
        return tokenized;
    }

    /** One caption, tokenized on its own (see {@link #tokenize(List)}). */
    public static String tokenize(String caption) {
        return tokenize(List.of(caption)).get(0);
    }

    /**
     * The references of each hypothesis, tokenized in one call in their order (all references of the first hypothesis,
     * then the second's, ...), as the E2E scorer passes them; the nesting of {@code references} is kept.
     */
    public static List<List<String>> tokenizeReferences(List<List<String>> references) {
        Objects.requireNonNull(references, "references");
        List<String> flat = new ArrayList<>();
        for (List<String> group : references) {
            flat.addAll(Objects.requireNonNull(group, "references of a hypothesis"));
        }
        List<String> tokenized = tokenize(flat);
        List<List<String>> grouped = new ArrayList<>(references.size());
        int next = 0;
        for (List<String> group : references) {
            grouped.add(List.copyOf(tokenized.subList(next, next + group.size())));
            next += group.size();
        }
        return grouped;
    }
}
