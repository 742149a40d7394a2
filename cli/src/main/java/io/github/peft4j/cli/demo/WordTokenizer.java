package io.github.peft4j.cli.demo;

import io.github.peft4j.core.tokenizer.TokenizerFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tokenizer files for the demo's world: GPT-2's byte-level BPE (so the real tokenizer code path runs), with merges
 * that build every word of the world, with its leading space ({@code Ġ}), into one token. Every merge extends a
 * space-led piece to the right, so within a word only one merge ever applies at a time and the chain cannot be
 * cut short by another word's merges (the demo's texts always put a space before a word).
 */
final class WordTokenizer {
    static final String END_OF_TEXT = "<|endoftext|>";

    private WordTokenizer() {}

    /** Writes vocab.json and merges.txt into {@code modelDirectory}; returns the vocabulary size (end-of-text last). */
    static int write(Path modelDirectory, Set<String> words) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(byteCharacter(b)), vocab.size());
        }
        List<String> merges = new ArrayList<>();
        for (String word : words) {
            addMerges(" " + word, vocab, merges);
        }
        vocab.put(END_OF_TEXT, vocab.size());
        TokenizerFiles.writeByteLevelBpe(modelDirectory, vocab, merges);
        return vocab.size();
    }

    /** Merges that join {@code word} left to right, each intermediate becoming a token. */
    private static void addMerges(String word, Map<String, Integer> vocab, List<String> merges) {
        String joined = byteSymbols(word);
        String prefix = joined.substring(0, 1);
        for (int i = 1; i < joined.length(); i++) {
            String next = prefix + joined.charAt(i);
            if (!vocab.containsKey(next)) {
                merges.add(prefix + " " + joined.charAt(i));
                vocab.put(next, vocab.size());
            }
            prefix = next;
        }
    }

    /** The word's UTF-8 bytes as GPT-2's byte characters. */
    private static String byteSymbols(String word) {
        StringBuilder symbols = new StringBuilder();
        for (byte b : word.getBytes(StandardCharsets.UTF_8)) {
            symbols.append(byteCharacter(b & 0xff));
        }
        return symbols.toString();
    }

    /** GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the others for U+0100 onwards. */
    static char byteCharacter(int b) {
        if (printable(b)) {
            return (char) b;
        }
        int shifted = 0;
        for (int other = 0; other < b; other++) {
            if (!printable(other)) {
                shifted++;
            }
        }
        return (char) (256 + shifted);
    }

    private static boolean printable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }
}
