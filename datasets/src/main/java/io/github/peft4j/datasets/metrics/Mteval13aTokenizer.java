package io.github.peft4j.datasets.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The "13a" tokenisation of NIST's {@code mteval-v13a.pl} (its default, non-international {@code tokenization}
 * sub), in the two flavours that the official scorers use.
 *
 * <ul>
 *   <li>{@link #mteval(String, boolean)}: exactly the Perl sub of {@code mteval-v13a.pl} (as shipped, unchanged,
 *       in {@code mteval-v13a-sig.pl} of tuetschek/e2e-metrics): Perl's Unicode {@code \s}, and lowercasing with
 *       {@code tr/[A-Z]/[a-z]/}, i.e. ASCII letters only, unless case is preserved ({@code -c}).</li>
 *   <li>{@link #sacreBleu(String)}: sacreBLEU 2.6.0's {@code Tokenizer13a} ({@code tokenizer_13a.py} and
 *       {@code tokenizer_re.py}): the same rules, no lowercasing (sacreBLEU lowercases before, with Python's
 *       {@code str.lower}), and whitespace as Python's {@code str.split()} sees it.</li>
 * </ul>
 *
 * <p>Both apply, in this order: remove {@code <skipped>}; join end-of-line hyphenation ({@code -\n}); turn the
 * remaining newlines into spaces; decode {@code &quot;}, {@code &amp;}, {@code &lt;}, {@code &gt;} one after the
 * other (so {@code &amp;lt;} becomes {@code <}); pad with a space on both sides; (mteval only: lowercase ASCII);
 * put spaces around every character of {@code { | } ~ [ \ ] ^ _ `}, space to {@code &}, {@code ( ) * +},
 * {@code : ; < = > ? @} and {@code /}; split a period or comma from what precedes it unless that is a digit, and
 * from what follows it unless that is a digit (so {@code 3.5} and {@code 1,000} stay whole, {@code .5} does not);
 * split a dash that follows a digit ({@code 20-25} becomes {@code 20 - 25}, {@code x-y} stays); collapse
 * whitespace and trim. Apostrophes, other dashes and all non-ASCII characters are left inside their words.
 *
 * <p>The two whitespace sets differ only in U+001C..U+001F, which Python treats as whitespace and Perl does not.
 */
public final class Mteval13aTokenizer {

    /** Perl's {@code \s} on a character string (Unicode rules, Perl 5.18 and later), as a character-class body. */
    static final String PERL_WHITESPACE =
            "\\t\\n\\u000B\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";

    /** Python's {@code str.isspace()} (and {@code re}'s {@code \s} on {@code str}), as a character-class body. */
    static final String PYTHON_WHITESPACE = PERL_WHITESPACE + "\\u001C-\\u001F";

    private static final Pattern PERL_WHITESPACE_RUN = Pattern.compile("[" + PERL_WHITESPACE + "]+");
    private static final Pattern PYTHON_WHITESPACE_RUN = Pattern.compile("[" + PYTHON_WHITESPACE + "]+");

    /** {@code s/([\{-\~\[-\` -\&\(-\+\:-\@\/])/ $1 /g}: the punctuation and symbols that always stand alone. */
    static final Pattern PUNCTUATION = Pattern.compile("([\\{-\\~\\[-\\` -\\&\\(-\\+\\:-\\@\\/])");

    /** {@code s/([^0-9])([\.,])/$1 $2 /g}: period and comma unless preceded by a digit. */
    static final Pattern PERIOD_COMMA_NOT_AFTER_DIGIT = Pattern.compile("([^0-9])([\\.,])");

    /** {@code s/([\.,])([^0-9])/ $1 $2/g}: period and comma unless followed by a digit. */
    static final Pattern PERIOD_COMMA_NOT_BEFORE_DIGIT = Pattern.compile("([\\.,])([^0-9])");

    /** {@code s/([0-9])(-)/$1 $2 /g}: a dash after a digit. */
    static final Pattern DASH_AFTER_DIGIT = Pattern.compile("([0-9])(-)");

    private Mteval13aTokenizer() {}

    /**
     * {@code tokenization} of {@code mteval-v13a.pl}: the normalised segment, tokens separated by one space.
     *
     * @param segment the segment text (as it stands between {@code <seg>} tags)
     * @param preserveCase {@code true} for mteval's {@code -c}; {@code false} (the default of mteval and of the E2E
     *     scorer) lowercases ASCII {@code A-Z} only
     */
    public static String mteval(String segment, boolean preserveCase) {
        String text = " " + languageIndependent(segment) + " ";
        if (!preserveCase) {
            text = lowercaseAscii(text);
        }
        text = languageDependent(text);
        return trimSpaces(PERL_WHITESPACE_RUN.matcher(text).replaceAll(" "));
    }

    /** The tokens of {@link #mteval(String, boolean)} (Perl's {@code split /\s+/}; none for an empty result). */
    public static List<String> mtevalTokens(String segment, boolean preserveCase) {
        return splitOnSpace(mteval(segment, preserveCase));
    }

    /**
     * sacreBLEU 2.6.0's {@code Tokenizer13a}: the tokenised line, tokens separated by one space, case kept.
     *
     * <p>sacreBLEU's BLEU calls it on {@code line.rstrip()} (after optional lowercasing); this method does neither.
     */
    public static String sacreBleu(String line) {
        String text = " " + languageIndependent(line) + " ";
        text = languageDependent(text);
        return String.join(" ", splitPython(text));
    }

    /** The tokens of {@link #sacreBleu(String)} (Python's {@code str.split()}). */
    public static List<String> sacreBleuTokens(String line) {
        return splitPython(sacreBleu(line));
    }

    private static String languageIndependent(String text) {
        String result = text.replace("<skipped>", "");
        result = result.replace("-\n", "");
        result = result.replace("\n", " ");
        result = result.replace("&quot;", "\"");
        result = result.replace("&amp;", "&");
        result = result.replace("&lt;", "<");
        return result.replace("&gt;", ">");
    }

    private static String languageDependent(String text) {
        String result = PUNCTUATION.matcher(text).replaceAll(" $1 ");
        result = PERIOD_COMMA_NOT_AFTER_DIGIT.matcher(result).replaceAll("$1 $2 ");
        result = PERIOD_COMMA_NOT_BEFORE_DIGIT.matcher(result).replaceAll(" $1 $2");
        return DASH_AFTER_DIGIT.matcher(result).replaceAll("$1 $2 ");
    }

    /** Perl's {@code tr/[A-Z]/[a-z]/}: ASCII capitals only. */
    static String lowercaseAscii(String text) {
        char[] chars = text.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] >= 'A' && chars[i] <= 'Z') {
                chars[i] = (char) (chars[i] + ('a' - 'A'));
            }
        }
        return new String(chars);
    }

    /** Python's {@code str.lower()}, as near as the JDK's locale-independent full case mapping gets. */
    static String lowercasePython(String text) {
        return text.toLowerCase(Locale.ROOT);
    }

    /** Collapses runs of Perl whitespace into one space (mteval's SGML reader, {@code s/[\s\n\r]+/ /g}). */
    static String collapsePerlWhitespace(String text) {
        return PERL_WHITESPACE_RUN.matcher(text).replaceAll(" ");
    }

    /** Python's {@code str.split()} without arguments: runs of whitespace separate, no empty tokens. */
    static List<String> splitPython(String text) {
        List<String> tokens = new ArrayList<>();
        for (String token : PYTHON_WHITESPACE_RUN.split(text, -1)) {
            if (!token.isEmpty()) {
                tokens.add(token);
            }
        }
        return tokens;
    }

    /** Python's {@code str.rstrip()} without arguments. */
    static String rstripPython(String text) {
        int end = text.length();
        while (end > 0 && isPythonWhitespace(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end);
    }

    /** Python's {@code str.strip()} without arguments. */
    static String stripPython(String text) {
        int start = 0;
        String right = rstripPython(text);
        while (start < right.length() && isPythonWhitespace(right.charAt(start))) {
            start++;
        }
        return right.substring(start);
    }

    /** Collapses runs of Python whitespace into one space ({@code re.sub(r'\s+', ' ', s)}). */
    static String collapsePythonWhitespace(String text) {
        return PYTHON_WHITESPACE_RUN.matcher(text).replaceAll(" ");
    }

    static boolean isPythonWhitespace(char c) {
        return (c >= '\t' && c <= '\r') || (c >= '\u001C' && c <= ' ') || c == '\u0085' || c == '\u00A0'
                || c == '\u1680' || (c >= '\u2000' && c <= '\u200A') || c == '\u2028' || c == '\u2029'
                || c == '\u202F' || c == '\u205F' || c == '\u3000';
    }

    /** Removes leading and trailing U+0020 only (after a collapse, Perl's {@code s/^\s+//; s/\s+$//}). */
    static String trimSpaces(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && text.charAt(start) == ' ') {
            start++;
        }
        while (end > start && text.charAt(end - 1) == ' ') {
            end--;
        }
        return text.substring(start, end);
    }

    /** Splits a string whose tokens are separated by single spaces, without leading or trailing space. */
    static List<String> splitOnSpace(String normalised) {
        List<String> tokens = new ArrayList<>();
        if (normalised.isEmpty()) {
            return tokens;
        }
        int start = 0;
        for (int i = 0; i <= normalised.length(); i++) {
            if (i == normalised.length() || normalised.charAt(i) == ' ') {
                tokens.add(normalised.substring(start, i));
                start = i + 1;
            }
        }
        return tokens;
    }
}
