package io.github.peft4j.datasets.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * Pseudo-random corpora for differential tests against sacreBLEU 2.6.0. The generator is a 64-bit LCG
 * ({@code s = s * 6364136223846793005 + 1442695040888963407 mod 2^64}, draw {@code (s >>> 33) % bound}), written
 * the same way in a short Python script that fed the identical corpora to sacreBLEU 2.6.0's {@code BLEU} and
 * {@code TER}; the expected numbers in the tests are what that run printed.
 *
 * <p>Per segment: a hypothesis of {@code draw(maxLen + 1)} words; {@code 1 + draw(3)} references, each missing
 * ({@code null}) when {@code draw(5) == 0}, else {@code draw(maxLen + 1)} words (possibly none: an empty string);
 * if all are missing, the first becomes {@code 1 + draw(maxLen)} words. Words are drawn uniformly from the
 * vocabulary and joined by single spaces.
 */
final class SacreBleuFixtures {
    /** Words chosen to exercise 13a tokenisation, case folding and Tercom normalisation. */
    static final List<String> MIXED_VOCABULARY = List.of("the", "The", "cat", "sat", "on", "mat", "a", "dog", ".",
            ",", "cat.", "3.5", "1,000", "x-y", "20-25", "&amp;", "don't", "\u00c9t\u00e9", "\u00e9t\u00e9", "(", ")",
            "it's");

    private long state;

    private SacreBleuFixtures(long seed) {
        this.state = seed;
    }

    private int next(int bound) {
        state = state * 6364136223846793005L + 1442695040888963407L;
        return (int) ((state >>> 33) % bound);
    }

    private String sentence(int words, List<String> vocabulary) {
        StringJoiner joiner = new StringJoiner(" ");
        for (int i = 0; i < words; i++) {
            joiner.add(vocabulary.get(next(vocabulary.size())));
        }
        return joiner.toString();
    }

    record Corpus(List<String> hypotheses, List<List<String>> references) {}

    static Corpus corpus(long seed, int segments, int maxLength, List<String> vocabulary) {
        SacreBleuFixtures random = new SacreBleuFixtures(seed);
        List<String> hypotheses = new ArrayList<>();
        List<List<String>> references = new ArrayList<>();
        for (int i = 0; i < segments; i++) {
            hypotheses.add(random.sentence(random.next(maxLength + 1), vocabulary));
            int count = 1 + random.next(3);
            List<String> refs = new ArrayList<>();
            for (int j = 0; j < count; j++) {
                refs.add(random.next(5) == 0 ? null : random.sentence(random.next(maxLength + 1), vocabulary));
            }
            if (refs.stream().allMatch(Objects::isNull)) {
                refs.set(0, random.sentence(1 + random.next(maxLength), vocabulary));
            }
            references.add(refs);
        }
        return new Corpus(hypotheses, references);
    }

    /** 80 segments of up to 30 words from {@link #MIXED_VOCABULARY} (seed 1). */
    static Corpus mixed() {
        return corpus(1, 80, 30, MIXED_VOCABULARY);
    }

    /** 12 segments of up to 120 words over {a, b, c, d} (seed 2): long, repetitive, many shift candidates. */
    static Corpus stress() {
        return corpus(2, 12, 120, List.of("a", "b", "c", "d"));
    }

    /** 40 segments of up to 70 words (seed 3), each hypothesis then cut to its first word: extreme ratios. */
    static Corpus ratio() {
        Corpus corpus = corpus(3, 40, 70, List.of("a", "b", "a", "c"));
        List<String> firstWords = new ArrayList<>();
        for (String hypothesis : corpus.hypotheses()) {
            firstWords.add(hypothesis.isEmpty() ? "" : hypothesis.split(" ")[0]);
        }
        return new Corpus(firstWords, corpus.references());
    }
}
