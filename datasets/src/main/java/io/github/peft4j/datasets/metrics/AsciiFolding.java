package io.github.peft4j.datasets.metrics;

import java.text.Normalizer;
import java.util.Map;

/**
 * ASCII transliteration as Python's {@code unidecode} gives it for Latin text, the {@code unidecode(...)} step of the
 * WebNLG challenge's {@code evaluation.py}: accented letters lose their accents ({@code é} to {@code e}, {@code ș}
 * to {@code s}), letters without a decomposition are spelled out ({@code ß} ss, {@code ø} o, {@code æ} ae,
 * {@code ı} i, {@code ł} l), combining marks are dropped, and the Latin-1 signs and general punctuation become
 * their ASCII forms ({@code –} -, {@code —} --, {@code ’} ', {@code “} ", {@code …} ...).
 *
 * <p>Other characters are decomposed where Unicode decomposes them to ASCII (unidecode may spell a few of those
 * otherwise) and else kept: other scripts (Greek, Cyrillic, CJK, ...) stay, where unidecode transliterates them; the
 * WebNLG 2017 test set and its submissions have none.
 */
public final class AsciiFolding {
    /** unidecode's forms of the Latin-1 signs, U+00A0 to U+00BF. */
    private static final String[] LATIN1_SIGNS = {" ", "!", "C/", "PS", "$?", "Y=", "|", "SS", "\"", "(c)", "a", "<<", "!", "", "(r)", "-",
            "deg", "+-", "2", "3", "'", "u", "P", "*", ",", "1", "o", ">>", " 1/4 ", " 1/2 ", " 3/4 ", "?"};

    /** Letters and signs that have no decomposition to an ASCII letter, with unidecode's form. */
    private static final Map<Character, String> UNDECOMPOSABLE = Map.ofEntries(
            Map.entry('\u00C6', "AE"), Map.entry('\u00D0', "D"), Map.entry('\u00D7', "x"), Map.entry('\u00D8', "O"),
            Map.entry('\u00DE', "Th"), Map.entry('\u00DF', "ss"), Map.entry('\u00E6', "ae"), Map.entry('\u00F0', "d"),
            Map.entry('\u00F7', "/"), Map.entry('\u00F8', "o"), Map.entry('\u00FE', "th"),
            Map.entry('\u0110', "D"), Map.entry('\u0111', "d"), Map.entry('\u0126', "H"), Map.entry('\u0127', "h"),
            Map.entry('\u0131', "i"), Map.entry('\u0138', "k"), Map.entry('\u013F', "L"), Map.entry('\u0140', "l"),
            Map.entry('\u0141', "L"), Map.entry('\u0142', "l"), Map.entry('\u0149', "'n"), Map.entry('\u014A', "ng"),
            Map.entry('\u014B', "NG"), Map.entry('\u0152', "OE"), Map.entry('\u0153', "oe"), Map.entry('\u0166', "T"),
            Map.entry('\u0167', "t"),
            Map.entry('\u2010', "-"), Map.entry('\u2011', "-"), Map.entry('\u2012', "-"), Map.entry('\u2013', "-"),
            Map.entry('\u2014', "--"), Map.entry('\u2015', "--"), Map.entry('\u2016', "||"), Map.entry('\u2017', "_"),
            Map.entry('\u2018', "'"), Map.entry('\u2019', "'"), Map.entry('\u201A', ","), Map.entry('\u201B', "'"),
            Map.entry('\u201C', "\""), Map.entry('\u201D', "\""), Map.entry('\u201E', ",,"), Map.entry('\u201F', "\""),
            Map.entry('\u2020', "+"), Map.entry('\u2021', "++"), Map.entry('\u2022', "*"), Map.entry('\u2024', "."),
            Map.entry('\u2025', ".."), Map.entry('\u2026', "..."), Map.entry('\u2032', "'"), Map.entry('\u2033', "''"),
            Map.entry('\u2039', "<"), Map.entry('\u203A', ">"), Map.entry('\u2044', "/"));

    private AsciiFolding() {}

    /** The text with every Latin letter, combining mark and common sign replaced by its ASCII form. */
    public static String fold(String text) {
        StringBuilder folded = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            i += Character.charCount(codePoint);
            folded.append(fold(codePoint));
        }
        return folded.toString();
    }

    private static String fold(int codePoint) {
        if (codePoint < 0x80) {
            return Character.toString(codePoint);
        }
        if (codePoint >= 0xA0 && codePoint <= 0xBF) {
            return LATIN1_SIGNS[codePoint - 0xA0];
        }
        if (codePoint <= 0xFFFF && UNDECOMPOSABLE.containsKey((char) codePoint)) {
            return UNDECOMPOSABLE.get((char) codePoint);
        }
        if (isMark(codePoint)) {
            return "";
        }
        if (codePoint >= 0x2000 && codePoint <= 0x200B || codePoint == 0x202F) {
            return " ";
        }
        if (codePoint >= 0x200C && codePoint <= 0x200F) {
            return "";
        }
        String decomposed = Normalizer.normalize(Character.toString(codePoint), Normalizer.Form.NFKD);
        StringBuilder base = new StringBuilder();
        for (int i = 0; i < decomposed.length(); ) {
            int part = decomposed.codePointAt(i);
            i += Character.charCount(part);
            if (!isMark(part)) {
                base.appendCodePoint(part);
            }
        }
        boolean ascii = !base.isEmpty() && base.chars().allMatch(c -> c < 0x80);
        return ascii ? base.toString() : Character.toString(codePoint);
    }

    private static boolean isMark(int codePoint) {
        int type = Character.getType(codePoint);
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK || type == Character.ENCLOSING_MARK;
    }
}
