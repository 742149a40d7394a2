package io.github.peft4j.datasets.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The E2E scorer's BLEU (mteval-v13a-sig.pl) on small corpora whose statistics are worked out by hand. */
class TestMtevalBleu {
    private static final double EPS = 1e-12;

    /**
     * Segment 1: "the cat sat on the mat" (6 tokens) against "the cat is on the mat" (6) and "there is a cat on
     * the mat" (7). Unigrams: the x2 (ref 1 has two) + cat + on + mat = 5 of 6 (sat misses). Bigrams: the cat,
     * on the, the mat = 3 of 5 (cat sat, sat on miss). Trigrams: on the mat = 1 of 4. 4-grams: 0 of 3. Closest
     * reference length 6.
     * Segment 2: "a dog" against "a dog barked": 2 of 2 unigrams, 1 of 1 bigram, no trigram or 4-gram; length 3.
     * Corpus: matches 7/8, 4/6, 1/4, 0/3; hypothesis 8 tokens, references 9.
     * BLEU = exp(1 - 9/8) * (7/8 * 4/6 * 1/4 * 1/(2*3))^(1/4): the 4-gram order has no match, so mteval's
     * smoothing uses 1 / (2^1 * 3).
     */
    @Test
    void handComputedCorpusLowercased() {
        List<String> hyps = List.of("The cat sat on the mat", "a dog");
        List<List<String>> refs = List.of(List.of("the cat is on the mat", "There is a cat on the mat"),
                List.of("A dog barked"));
        BleuScore score = MtevalBleu.score(hyps, refs);
        assertArrayEquals(new long[] {7, 4, 1, 0}, score.matches());
        assertArrayEquals(new long[] {8, 6, 4, 3}, score.totals());
        assertEquals(8, score.hypothesisLength());
        assertEquals(9, score.referenceLength());
        assertEquals(Math.exp(1 - 9.0 / 8), score.brevityPenalty(), EPS);
        assertArrayEquals(new double[] {7.0 / 8, 4.0 / 6, 1.0 / 4, 1.0 / 6}, score.precisions(), EPS);
        double expected = Math.exp(1 - 9.0 / 8) * Math.pow(7.0 / 8 * 4.0 / 6 * 1.0 / 4 * 1.0 / 6, 0.25);
        assertEquals(expected, score.bleu(), EPS);
        assertEquals(0.348449, score.bleu(), 1e-6);
    }

    /**
     * With {@code -c} "The" no longer matches "the", nor "a" "A": unigrams cat, on, the (once), mat = 4 in
     * segment 1 plus dog = 5; bigrams on the, the mat = 2; trigram on the mat = 1; no 4-gram.
     */
    @Test
    void preservingCaseChangesTheMatches() {
        List<String> hyps = List.of("The cat sat on the mat", "a dog");
        List<List<String>> refs = List.of(List.of("the cat is on the mat", "There is a cat on the mat"),
                List.of("A dog barked"));
        BleuScore score = MtevalBleu.score(hyps, refs, true);
        assertArrayEquals(new long[] {5, 2, 1, 0}, score.matches());
        assertEquals(Math.exp(1 - 9.0 / 8) * Math.pow(5.0 / 8 * 2.0 / 6 * 1.0 / 4 * 1.0 / 6, 0.25), score.bleu(), EPS);
    }

    /**
     * "the the the the" against "the cat" and "the the mat": "the" is clipped at 2 (its count in the second
     * reference), "the the" at 1; no trigram (1/(2*2)) or 4-gram (1/(4*1)) match; closest length 3 (< 4: BP 1).
     */
    @Test
    void matchesAreClippedByTheLargestCountInOneReference() {
        BleuScore score = MtevalBleu.score(List.of("the the the the"), List.of(List.of("the cat", "the the mat")));
        assertArrayEquals(new long[] {2, 1, 0, 0}, score.matches());
        assertEquals(3, score.referenceLength());
        assertEquals(1.0, score.brevityPenalty(), 0);
        assertEquals(Math.pow(2.0 / 4 * 1.0 / 3 * 1.0 / 4 * 1.0 / 4, 0.25), score.bleu(), EPS);
    }

    @Test
    void identicalHypothesesScoreOne() {
        List<String> hyps = List.of("Blue Spice is a coffee shop in the city centre.", "It is not family-friendly.");
        List<List<String>> refs = List.of(List.of(hyps.get(0), "Something else entirely here."), List.of(hyps.get(1)));
        BleuScore score = MtevalBleu.score(hyps, refs);
        assertEquals(1.0, score.bleu(), 0);
        assertArrayEquals(new double[] {1, 1, 1, 1}, score.precisions(), 0);
    }

    /**
     * No overlap at all: mteval's smoothing still gives every order a precision, 1/(2*4), 1/(4*3), 1/(8*2),
     * 1/(16*1), so BLEU is not 0 (unlike sacreBLEU, which returns 0 when nothing matches).
     */
    @Test
    void noOverlapIsSmoothedNotZero() {
        BleuScore score = MtevalBleu.score(List.of("a b c d"), List.of(List.of("e f g h")));
        assertArrayEquals(new long[] {0, 0, 0, 0}, score.matches());
        assertEquals(Math.pow(1.0 / 8 * 1.0 / 12 * 1.0 / 16 * 1.0 / 16, 0.25), score.bleu(), EPS);
        assertEquals(0.0, SacreBleu.corpusScore(List.of("a b c d"), List.of(List.of("e f g h"))).score(), 0);
    }

    /**
     * An empty hypothesis adds no n-gram but the reference length closest to 0: here 2, so with the identical
     * first segment (6 tokens, all orders matched) BLEU = exp(1 - 8/6). An output that is empty everywhere
     * scores 0 (mteval's exp_len_score stays 0).
     */
    @Test
    void emptyHypotheses() {
        BleuScore score = MtevalBleu.score(List.of("the cat sat on the mat", ""),
                List.of(List.of("the cat sat on the mat"), List.of("a b")));
        assertEquals(6, score.hypothesisLength());
        assertEquals(8, score.referenceLength());
        assertEquals(Math.exp(1 - 8.0 / 6), score.bleu(), EPS);

        BleuScore empty = MtevalBleu.score(List.of("", " "), List.of(List.of("a b"), List.of("c")));
        assertEquals(0.0, empty.bleu(), 0);
        assertEquals(0.0, empty.brevityPenalty(), 0);
    }

    /**
     * Segment 2 has one reference where segment 1 has two: the scorer pads it with an empty reference, which
     * brevity_penalty_closest skips. Matches 3+2, 2+1, 1+0 out of the same totals; no 4-gram in the hypotheses, so
     * that order counts as precision 1; references 3 + 3 = 6 against 5 tokens: BLEU = exp(1 - 6/5).
     */
    @Test
    void segmentsWithFewerReferences() {
        BleuScore score = MtevalBleu.score(List.of("a b c", "d e"),
                List.of(List.of("a b c", "a b c d e f"), List.of("d e f")));
        assertArrayEquals(new long[] {5, 3, 1, 0}, score.matches());
        assertArrayEquals(new long[] {5, 3, 1, 0}, score.totals());
        assertEquals(6, score.referenceLength());
        assertEquals(Math.exp(1 - 6.0 / 5), score.bleu(), EPS);
    }

    /**
     * An empty reference is skipped by the edited brevity_penalty_closest unless it is the first: for "a b",
     * references ["", "a b c d"] give length 0 (|2-0| = |2-4|, the shorter wins) and BLEU 1 (the hypothesis has
     * no trigram or 4-gram: precision 1); ["a b c d", ""] give length 4 and BLEU exp(1 - 4/2).
     */
    @Test
    void emptyReferencesAndTheFirstReferenceQuirk() {
        assertEquals(1.0, MtevalBleu.score(List.of("a b"), List.of(List.of("", "a b c d"))).bleu(), EPS);
        BleuScore second = MtevalBleu.score(List.of("a b"), List.of(List.of("a b c d", "")));
        assertEquals(4, second.referenceLength());
        assertEquals(Math.exp(1 - 4.0 / 2), second.bleu(), EPS);
    }

    /**
     * An empty reference list is one empty reference: "c d" gets length 0 and no match; corpus matches 2/4 and 1/2,
     * no trigram or 4-gram (precision 1), references 2 + 0 < 4: BLEU = (1/2 * 1/2)^(1/4).
     */
    @Test
    void anEmptyReferenceListCountsAsAnEmptyReference() {
        BleuScore score = MtevalBleu.score(List.of("a b", "c d"), List.of(List.of("a b"), List.of()));
        assertEquals(2, score.referenceLength());
        assertEquals(Math.pow(0.25, 0.25), score.bleu(), EPS);
    }

    @Test
    void rejectsMalformedInput() {
        assertThrows(IllegalArgumentException.class, () -> MtevalBleu.score(List.of("a"), List.of()));
        assertThrows(IllegalArgumentException.class, () -> MtevalBleu.score(List.of(), List.of()));
        assertThrows(IllegalArgumentException.class, () -> MtevalBleu.score(List.of("a"), List.of(List.of())));
        List<String> withNull = new ArrayList<>(Arrays.asList("a", null));
        assertThrows(IllegalArgumentException.class,
                () -> MtevalBleu.score(List.of("a"), List.of(withNull)));
    }

    @Test
    void scoreRecordCopiesItsArrays() {
        BleuScore score = MtevalBleu.score(List.of("a b"), List.of(List.of("a b")));
        score.matches()[0] = 99;
        assertEquals(2, score.matches()[0]);
        assertEquals(score, MtevalBleu.score(List.of("a b"), List.of(List.of("a b"))));
    }
}
