package io.github.peft4j.datasets.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.peft4j.datasets.metrics.Ter.Options;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * sacreBLEU's TER. Hand-counted edits are explained in each test; every expected value was also printed by
 * sacreBLEU 2.6.0 on the same input.
 */
class TestTer {
    private static final double EPS = 1e-12;

    private static TerScore ter(String hypothesis, String... references) {
        return Ter.corpusScore(List.of(hypothesis), List.of(List.of(references)));
    }

    @Test
    void identicalIsZero() {
        TerScore score = ter("the cat sat on the mat", "the cat sat on the mat");
        assertEquals(0.0, score.score(), 0);
        assertEquals(6.0, score.referenceLength(), 0);
        assertEquals("nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0", score.signature());
        assertEquals("TER|nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0 = 0.00",
                score.format(2, true));
    }

    /** "b c a" to "a b c": Levenshtein needs 2 edits, one shift of "a" to the front needs 1: 1/3. */
    @Test
    void aShiftCountsAsOneEdit() {
        TerScore score = ter("b c a", "a b c");
        assertEquals(1, score.numEdits());
        assertEquals(100.0 / 3, score.score(), EPS);
        assertEquals("TER = 33.33", score.format(2, false));
    }

    /** "d e a b c" to "a b c d e": one shift of a block ("a b c" before "d e"): 1/5. */
    @Test
    void aBlockShift() {
        assertEquals(20.0, ter("d e a b c", "a b c d e").score(), EPS);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, TerEditRate.performShift(new int[] {3, 4, 0, 1, 2}, 2, 3, 0));
    }

    /** "a b" to "c d": nothing to shift, two substitutions: 100. */
    @Test
    void noOverlap() {
        TerScore score = ter("a b", "c d");
        assertEquals(2, score.numEdits());
        assertEquals(100.0, score.score(), EPS);
    }

    /** Lowercased by default; not tokenised: "cat." is one word, so "The cat." to "the cat" is 1 substitution. */
    @Test
    void caseInsensitiveAndUntokenisedByDefault() {
        assertEquals(50.0, ter("The cat.", "the cat").score(), EPS);
        assertEquals(100.0, ter("cat.", "cat .").score(), EPS); // 1 substitution + 1 insertion over 2 words
        TerScore cased = Ter.corpusScore(List.of("The Cat"), List.of(List.of("the cat")),
                new Options(false, false, false, true));
        assertEquals(100.0, cased.score(), EPS);
        assertEquals("nrefs:1|case:mixed|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0", cased.signature());
    }

    @Test
    void normalisationSplitsPunctuation() {
        TerScore normalized = Ter.corpusScore(List.of("cat."), List.of(List.of("cat .")),
                new Options(true, false, false, false));
        assertEquals(0.0, normalized.score(), 0);
        assertEquals("nrefs:1|case:lc|tok:tercom|norm:yes|punct:yes|asian:no|version:2.6.0", normalized.signature());
        assertEquals("john 's car , 3.5 km", Ter.tokenize("John's car, 3.5 km", new Options(true, false, false, false)));
        // no_punct removes . , ? : ; ! " ( ) everywhere, the decimal point too
        assertEquals("john's car 35 km", Ter.tokenize("John's car, 3.5 km", new Options(false, true, false, false)));
        // asian_support (as sacreBLEU 2.6.0 prints it): CJK ideographs and CJK punctuation split, kana runs kept
        assertEquals("日 本 語 のテキスト 、 です 。",
                Ter.tokenize("日本語のテキスト、です。", new Options(true, false, true, false)));
        assertEquals("日 本 語 のテキスト です",
                Ter.tokenize("日本語のテキスト、です。", new Options(true, true, true, false)));
    }

    /**
     * Several references: the edits of the closest one (1 insertion against "a b c d", 3 against "x y"), the mean
     * reference length (4 + 2) / 2 = 3. Then a second segment with one reference (0 edits, 2 words): 1/5.
     */
    @Test
    void fewestEditsOverMeanReferenceLength() {
        TerScore one = ter("a b c", "a b c d", "x y");
        assertEquals(1, one.numEdits());
        assertEquals(3.0, one.referenceLength(), 0);
        assertEquals(100.0 / 3, one.score(), EPS);
        TerScore two = Ter.corpusScore(List.of("a b c", "a b"), List.of(List.of("a b c d", "x y"), List.of("a b")));
        assertEquals(20.0, two.score(), EPS);
        assertEquals("nrefs:var|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0", two.signature());
    }

    /** Empty hypothesis: every reference word is an insertion. Empty reference: length 0, so 100 (or 0 if both). */
    @Test
    void emptyHypothesesAndReferences() {
        assertEquals(100.0, ter("", "a b c").score(), 0);
        assertEquals(3, ter("", "a b c").numEdits());
        TerScore emptyReference = ter("a b", "");
        assertEquals(2, emptyReference.numEdits());
        assertEquals(0.0, emptyReference.referenceLength(), 0);
        assertEquals(100.0, emptyReference.score(), 0);
        assertEquals(0.0, ter("", "").score(), 0);
    }

    @Test
    void aHypothesisNeedsAReference() {
        List<String> onlyNull = new ArrayList<>();
        onlyNull.add(null);
        assertThrows(IllegalArgumentException.class, () -> Ter.corpusScore(List.of("a"), List.of(onlyNull)));
        assertThrows(IllegalArgumentException.class, () -> Ter.corpusScore(List.of("a"), List.of(List.of())));
    }

    /**
     * Pseudo-random corpora (see {@link SacreBleuFixtures}); expected values printed by sacreBLEU 2.6.0. The stress
     * corpus has segments of up to 120 words over 4 symbols, past the beam (25) and the shift limits (size 10,
     * distance 50), and it reaches the cap of 1000 shift candidates 9 times; the ratio corpus pairs one-word
     * hypotheses with references of up to 70 words, which widens the beam.
     */
    @Test
    void matchesSacreBleuOnPseudoRandomCorpora() {
        SacreBleuFixtures.Corpus mixed = SacreBleuFixtures.mixed();
        assertTer(mixed, Options.DEFAULTS, 101.86300602325255, 1212, 1189.8333333333333);
        assertTer(mixed, new Options(true, false, false, false), 98.26425788168613, 1387, 1411.5000000000002);
        assertTer(mixed, new Options(true, true, false, false), 98.47361535106845, 1129, 1146.5000000000002);
        assertTer(mixed, new Options(false, false, false, true), 103.12368679086707, 1227, 1189.8333333333333);
        assertTer(SacreBleuFixtures.stress(), Options.DEFAULTS, 77.56558237145855, 616, 794.1666666666666);
        assertTer(SacreBleuFixtures.ratio(), Options.DEFAULTS, 79.41893539211702, 1303, 1640.6666666666667);
    }

    private static void assertTer(SacreBleuFixtures.Corpus corpus, Options options, double score, long edits,
            double referenceLength) {
        TerScore ter = Ter.corpusScore(corpus.hypotheses(), corpus.references(), options);
        assertEquals(score, ter.score(), EPS, options.toString());
        assertEquals(edits, ter.numEdits(), options.toString());
        assertEquals(referenceLength, ter.referenceLength(), EPS, options.toString());
    }
}
