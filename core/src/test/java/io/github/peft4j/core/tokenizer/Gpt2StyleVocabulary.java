package io.github.peft4j.core.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small byte-level BPE vocabulary laid out like GPT-2's: the 256 characters of GPT-2's {@code bytes_to_unicode}
 * first (in GPT-2's order, so {@code "Ġ"} is 220 as in the real one), then the tokens made by a few merges
 * ({@code "Hello"}, {@code "Ġworld"}), then {@code <|endoftext|>} last.
 */
public final class Gpt2StyleVocabulary {
    public static final String END_OF_TEXT = "<|endoftext|>";
    public static final List<String> MERGES = List.of(
            "H e", "He l", "Hel l", "Hell o", "Ġ w", "Ġw o", "Ġwo r", "Ġwor l", "Ġworl d");

    /** {@code BYTE_CHARS[b]} is the character standing for byte {@code b}. */
    private static final char[] BYTE_CHARS = new char[256];
    /** The bytes in GPT-2's vocabulary order: printable ones first, then the rest. */
    private static final List<Integer> BYTE_ORDER = new ArrayList<>();

    static {
        // GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves; the others, in byte order,
        // for the characters from U+0100 on.
        for (int b = 0; b < 256; b++) {
            if (isPrintable(b)) {
                BYTE_CHARS[b] = (char) b;
                BYTE_ORDER.add(b);
            }
        }
        int next = 256;
        for (int b = 0; b < 256; b++) {
            if (!isPrintable(b)) {
                BYTE_CHARS[b] = (char) next++;
                BYTE_ORDER.add(b);
            }
        }
    }

    private Gpt2StyleVocabulary() {}

    private static boolean isPrintable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    /** Token to id: the byte characters 0..255, the merged tokens, {@code <|endoftext|>}. */
    public static Map<String, Integer> vocab() {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int b : BYTE_ORDER) {
            vocab.put(String.valueOf(BYTE_CHARS[b]), vocab.size());
        }
        for (String merge : MERGES) {
            vocab.put(merge.replace(" ", ""), vocab.size());
        }
        vocab.put(END_OF_TEXT, vocab.size());
        return Collections.unmodifiableMap(vocab);
    }

    /** The id of a token of {@link #vocab()}. */
    public static long id(String token) {
        Integer id = vocab().get(token);
        if (id == null) {
            throw new IllegalArgumentException("not in the test vocabulary: " + token);
        }
        return id;
    }

    /** The ids of {@code text} when no merge applies: one byte token per UTF-8 byte. */
    public static long[] byteIds(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        long[] ids = new long[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = id(String.valueOf(BYTE_CHARS[bytes[i] & 0xFF]));
        }
        return ids;
    }
}
