package io.github.peft4j.datasets.metrics;

import java.util.Locale;

/**
 * The tokenisation of the WebNLG challenge's {@code evaluation.py}, which also made DART's official reference files:
 * {@code ' '.join(' '.join(re.split('(\W)', text)).split()).lower()}. Every character that is not a word character
 * (Python's {@code \w} on text: a letter, a digit or other number, or {@code _}) becomes a token of its own, runs
 * of whitespace (Python's {@code str.isspace}) become one space, and the result is lowercased.
 */
public final class NonWordTokenizer {
    private NonWordTokenizer() {}

    /** The tokenised, lowercased text, tokens separated by single spaces. */
    public static String tokenize(String text) {
        StringBuilder tokens = new StringBuilder(text.length() + 16);
        boolean pendingSpace = false;
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            i += Character.charCount(codePoint);
            if (isPythonSpace(codePoint)) {
                pendingSpace = true;
                continue;
            }
            boolean word = isPythonWordCharacter(codePoint);
            if (!tokens.isEmpty() && (pendingSpace || !word || !isPythonWordCharacter(tokens.codePointBefore(tokens.length())))) {
                tokens.append(' ');
            }
            tokens.appendCodePoint(codePoint);
            pendingSpace = false;
        }
        return tokens.toString().toLowerCase(Locale.ROOT);
    }

    /** Python's {@code \w} on a str: {@code isalnum()} (letters, decimal digits, other numbers) or the underscore. */
    static boolean isPythonWordCharacter(int codePoint) {
        if (codePoint == '_' || Character.isLetter(codePoint)) {
            return true;
        }
        int type = Character.getType(codePoint);
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER || type == Character.OTHER_NUMBER;
    }

    /** Python's {@code str.isspace}: Unicode space separators and the whitespace controls, no-break spaces included. */
    static boolean isPythonSpace(int codePoint) {
        return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint) || codePoint == 0x85;
    }
}
