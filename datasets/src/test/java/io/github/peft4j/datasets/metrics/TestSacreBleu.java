package io.github.peft4j.datasets.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.peft4j.datasets.metrics.SacreBleu.Options;
import io.github.peft4j.datasets.metrics.SacreBleu.Smoothing;
import io.github.peft4j.datasets.metrics.SacreBleu.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * sacreBLEU's corpus BLEU. Hand-computed expectations are explained in each test; every expected score was also
 * printed by sacreBLEU 2.6.0 itself on the same input (quoted where it is a literal).
 */
class TestSacreBleu {
    private static final double EPS = 1e-9;

    private static final List<String> HYPS = List.of("the cat sat on the mat", "a dog");
    private static final List<List<String>> REFS = List.of(
            List.of("the cat is on the mat", "there is a cat on the mat"), List.of("a dog barked"));

    /**
     * The hand-computed corpus of {@link TestMtevalBleu}: matches 7/8, 4/6, 1/4, 0/3, lengths 8 and 9.
     * score = 100 * exp(1 - 9/8) * (7/8 * 4/6 * 1/4 * 1/(2*3))^(1/4); sacreBLEU 2.6.0: 34.844928509543394, printed
     * as "34.84 87.5/66.7/25.0/16.7 (BP = 0.882 ratio = 0.889 hyp_len = 8 ref_len = 9)".
     */
    @Test
    void handComputedCorpus() {
        SacreBleuScore score = SacreBleu.corpusScore(HYPS, REFS);
        assertEquals(100 * Math.exp(1 - 9.0 / 8) * Math.pow(7.0 / 8 * 4.0 / 6 * 1.0 / 4 * 1.0 / 6, 0.25), score.score(),
                EPS);
        assertEquals(34.844928509543394, score.score(), 1e-12);
        assertArrayEquals(new double[] {87.5, 100.0 * 4 / 6, 25.0, 100.0 / 6}, score.precisions(), 1e-12);
        assertArrayEquals(new double[] {7, 4, 1, 0}, score.counts(), 0);
        assertArrayEquals(new double[] {8, 6, 4, 3}, score.totals(), 0);
        assertEquals("nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0", score.signature());
        assertEquals("BLEU|nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = 34.84 87.5/66.7/25.0/16.7 "
                + "(BP = 0.882 ratio = 0.889 hyp_len = 8 ref_len = 9)", score.format(2, true));
    }

    @Test
    void mixedCaseByDefaultLowercasedOnRequest() {
        List<String> hyps = List.of("The Cat sat on the mat", "a dog");
        assertEquals(34.844928509543394,
                SacreBleu.corpusScore(hyps, REFS, Options.DEFAULTS.withLowercase(true)).score(), 1e-12);
        SacreBleuScore mixed = SacreBleu.corpusScore(hyps, REFS);
        assertEquals(5, mixed.counts()[0], 0); // "The" and "Cat" no longer match
        assertEquals("nrefs:var|case:lc|eff:no|tok:13a|smooth:exp|version:2.6.0",
                SacreBleu.corpusScore(hyps, REFS, Options.DEFAULTS.withLowercase(true)).signature());
    }

    /** sacreBLEU 2.6.0: 100.00000000000004 (exp of the mean of four log(100)). */
    @Test
    void identicalIsOneHundred() {
        List<String> hyps = List.of("the cat sat on the mat", "a dog barked here");
        SacreBleuScore score = SacreBleu.corpusScore(hyps, List.of(List.of(hyps.get(0)), List.of(hyps.get(1))));
        assertEquals(100.0, score.score(), 1e-9);
        assertEquals("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0", score.signature());
    }

    @Test
    void noOverlapIsZero() {
        SacreBleuScore score = SacreBleu.corpusScore(List.of("a b c d"), List.of(List.of("e f g h")));
        assertEquals(0.0, score.score(), 0);
        assertArrayEquals(new double[4], score.precisions(), 0);
        assertEquals(1.0, score.brevityPenalty(), 0);
    }

    /**
     * An empty hypothesis: no n-grams, BP 0 when the whole output is empty. Next to an identical 6-token segment
     * it only adds the closest reference length (2): 100 * exp(1 - 8/6) = 71.65313105737896 (sacreBLEU 2.6.0).
     */
    @Test
    void emptyHypotheses() {
        SacreBleuScore alone = SacreBleu.corpusScore(List.of(""), List.of(List.of("a b")));
        assertEquals(0.0, alone.score(), 0);
        assertEquals(0.0, alone.brevityPenalty(), 0);
        assertEquals("BLEU = 0.00 0.0/0.0/0.0/0.0 (BP = 0.000 ratio = 0.000 hyp_len = 0 ref_len = 2)",
                alone.format(2, false));
        SacreBleuScore mixed = SacreBleu.corpusScore(List.of("the cat sat on the mat", ""),
                List.of(List.of("the cat sat on the mat"), List.of("a b")));
        assertEquals(71.65313105737896, mixed.score(), 1e-12);
    }

    /**
     * A missing reference ({@code null}, or a shorter list) only changes nrefs to "var"; an empty string is a
     * reference of length 0. "a b c d" against "a b c d e" and "": closest length 5 (diff 1 beats 4); with the
     * identical first segment: BP = exp(1 - 11/10), sacreBLEU 2.6.0: 90.48374180359595 both ways.
     */
    @Test
    void missingAndEmptyReferences() {
        List<String> hyps = List.of("the cat sat on the mat", "a b c d");
        SacreBleuScore withEmpty = SacreBleu.corpusScore(hyps,
                List.of(List.of("the cat sat on the mat", "the cat is on the mat"), List.of("a b c d e", "")));
        assertEquals(100 * Math.exp(1 - 11.0 / 10), withEmpty.score(), EPS);
        assertEquals("nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0", withEmpty.signature());
        List<String> withNull = new ArrayList<>(Arrays.asList("a b c d e", null));
        SacreBleuScore missing = SacreBleu.corpusScore(hyps,
                List.of(List.of("the cat sat on the mat", "the cat is on the mat"), withNull));
        assertEquals(withEmpty.score(), missing.score(), 0);
        assertEquals("nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0", missing.signature());
        SacreBleuScore shorter = SacreBleu.corpusScore(hyps,
                List.of(List.of("the cat sat on the mat", "the cat is on the mat"), List.of("a b c d e")));
        assertEquals(missing, shorter);
    }

    /** An empty reference can be the closest: "a b" against "" and "a b c d" is a tie at 2, and 0 is shorter. */
    @Test
    void emptyReferenceCanBeTheClosest() {
        SacreBleuScore score = SacreBleu.corpusScore(List.of("a b"), List.of(List.of("", "a b c d")));
        assertEquals(0, score.referenceLength());
    }

    @Test
    void aHypothesisNeedsAReference() {
        List<String> onlyNull = new ArrayList<>();
        onlyNull.add(null);
        assertThrows(IllegalArgumentException.class, () -> SacreBleu.corpusScore(List.of("a"), List.of(onlyNull)));
        assertThrows(IllegalArgumentException.class, () -> SacreBleu.corpusScore(List.of("a"), List.of(List.of())));
        assertThrows(IllegalArgumentException.class, () -> SacreBleu.corpusScore(List.of("a", "b"), List.of(List.of("a"))));
        assertThrows(IllegalArgumentException.class, () -> SacreBleu.corpusScore(List.of(), List.of()));
    }

    /**
     * "a b" against "a b c": no trigram in the output, so orders 3 and 4 keep precision 0 and BLEU is 0 unless
     * effective_order stops at order 2: 100 * exp(1 - 3/2) = 60.653065971263366 (sacreBLEU 2.6.0).
     */
    @Test
    void effectiveOrder() {
        assertEquals(0.0, SacreBleu.corpusScore(List.of("a b"), List.of(List.of("a b c"))).score(), 1e-300);
        SacreBleuScore effective = SacreBleu.sentenceScore("a b", List.of("a b c"),
                Options.DEFAULTS.withEffectiveOrder(true));
        assertEquals(60.653065971263366, effective.score(), 1e-12);
        assertEquals("nrefs:1|case:mixed|eff:yes|tok:13a|smooth:exp|version:2.6.0", effective.signature());
    }

    /** The other smoothing methods on the hand-computed corpus, as sacreBLEU 2.6.0 prints them. */
    @Test
    void smoothingMethods() {
        SacreBleuScore floor = SacreBleu.corpusScore(HYPS, REFS, Options.DEFAULTS.withSmoothing(Smoothing.FLOOR, null));
        // floor: the 4-gram precision becomes 100 * 0.1 / 3
        assertEquals(23.30220811835367, floor.score(), 1e-12);
        assertEquals("nrefs:var|case:mixed|eff:no|tok:13a|smooth:floor[0.10]|version:2.6.0", floor.signature());
        SacreBleuScore addK = SacreBleu.corpusScore(HYPS, REFS, Options.DEFAULTS.withSmoothing(Smoothing.ADD_K, null));
        // add-k: orders 2..4 become (4+1)/(6+1), (1+1)/(4+1), (0+1)/(3+1)
        assertArrayEquals(new double[] {87.5, 100.0 * 5 / 7, 40.0, 25.0}, addK.precisions(), 1e-12);
        assertEquals(44.12484512922978, addK.score(), 1e-12);
        assertEquals("nrefs:var|case:mixed|eff:no|tok:13a|smooth:add-k[1.00]|version:2.6.0", addK.signature());
        SacreBleuScore none = SacreBleu.corpusScore(HYPS, REFS, Options.DEFAULTS.withSmoothing(Smoothing.NONE, null));
        assertEquals(0.0, none.score(), 1e-300);
        assertEquals("nrefs:var|case:mixed|eff:no|tok:13a|smooth:none|version:2.6.0", none.signature());
    }

    /** tokenize='none': "mat." stays one word; sacreBLEU 2.6.0: 19.470019576785127. */
    @Test
    void noTokenizer() {
        SacreBleuScore score = SacreBleu.corpusScore(List.of("the cat sat on the mat.", "a dog"),
                List.of(List.of("the cat is on the mat ."), List.of("a dog barked")),
                Options.DEFAULTS.withTokenizer(Tokenizer.NONE));
        assertEquals(19.470019576785127, score.score(), 1e-12);
        assertEquals("nrefs:1|case:mixed|eff:no|tok:none|smooth:exp|version:2.6.0", score.signature());
    }

    @Test
    void pythonRounding() {
        assertEquals("0.12", SacreBleuScore.fixed(0.125, 2)); // exactly representable: half to even
        assertEquals("0.13", SacreBleuScore.fixed(0.126, 2));
        assertEquals("100.0", SacreBleuScore.fixed(99.96, 1));
    }

    /** Pseudo-random corpora (see {@link SacreBleuFixtures}); expected values printed by sacreBLEU 2.6.0. */
    @Test
    void matchesSacreBleuOnPseudoRandomCorpora() {
        SacreBleuFixtures.Corpus mixed = SacreBleuFixtures.mixed();
        SacreBleuScore score = SacreBleu.corpusScore(mixed.hypotheses(), mixed.references());
        assertEquals(6.33259591099651, score.score(), 1e-12);
        assertEquals(1252, score.hypothesisLength());
        assertEquals(1235, score.referenceLength());
        assertArrayEquals(new double[] {612, 133, 42, 8}, score.counts(), 0);
        assertArrayEquals(new double[] {1252, 1180, 1109, 1038}, score.totals(), 0);
        assertEquals("nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0", score.signature());
        SacreBleuScore lowercased = SacreBleu.corpusScore(mixed.hypotheses(), mixed.references(),
                Options.DEFAULTS.withLowercase(true));
        assertEquals(6.679219610331349, lowercased.score(), 1e-12);
        assertArrayEquals(new double[] {631, 149, 45, 8}, lowercased.counts(), 0);

        SacreBleuFixtures.Corpus stress = SacreBleuFixtures.stress();
        SacreBleuScore long_ = SacreBleu.corpusScore(stress.hypotheses(), stress.references());
        assertEquals(47.558917307818774, long_.score(), 1e-12);
        assertEquals(737, long_.hypothesisLength());
        assertEquals(843, long_.referenceLength());

        SacreBleuFixtures.Corpus ratio = SacreBleuFixtures.ratio();
        SacreBleuScore short_ = SacreBleu.corpusScore(ratio.hypotheses(), ratio.references());
        assertEquals(0.0, short_.score(), 0);
        assertEquals(40, short_.hypothesisLength());
        assertEquals(1342, short_.referenceLength());
    }
}
