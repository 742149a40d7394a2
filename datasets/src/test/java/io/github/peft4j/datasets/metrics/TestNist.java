package io.github.peft4j.datasets.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.peft4j.datasets.metrics.Nist.Implementation;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The E2E scorer's NIST, both implementations, on corpora worked out by hand. */
class TestNist {
    private static final double EPS = 1e-12;
    /** -ln(0.5) / ln(1.5)^2 = 4.2161736..., mteval's beta. */
    private static final double BETA = -Math.log(0.5) / (Math.log(1.5) * Math.log(1.5));

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    private static double penalty(double ratio) {
        return Math.exp(-BETA * Math.log(ratio) * Math.log(ratio));
    }

    @Test
    void betaHalvesTheScoreAtTwoThirdsOfTheReferenceLength() {
        assertEquals(4.2161736168, Nist.BETA, 1e-10);
        assertEquals(0.5, Nist.lengthPenalty(2.0 / 3), 1e-12);
        assertEquals(1.0, Nist.lengthPenalty(1.2), 0);
        assertEquals(0.0, Nist.lengthPenalty(0), 0);
    }

    /**
     * "a b" against "a b" and "a c". Reference counts: a 2, b 1, c 1 (4 words), "a b" 1, "a c" 1.
     * info(a) = -log2(2/4) = 1, info(b) = -log2(1/4) = 2, info(a b) = -log2(count(a b) / count(a)) = 1.
     * Unigrams: (1 + 2) / 2 hypothesis unigrams; bigrams: 1 / 1. Average reference length 4 / 2 = 2 = the
     * hypothesis length: no penalty. NIST = 1.5 + 1 = 2.5 in both implementations.
     */
    @Test
    void handComputedInformation() {
        List<String> hyps = List.of("a b");
        List<List<String>> refs = List.of(List.of("a b", "a c"));
        NistScore perl = Nist.score(hyps, refs);
        assertEquals(2.5, perl.nist(), EPS);
        assertArrayEquals(new double[] {1.5, 1, 0, 0, 0}, perl.information(), EPS);
        assertEquals(1.0, perl.lengthPenalty(), 0);
        assertEquals(2.5, Nist.score(hyps, refs, Implementation.PYMTEVAL).nist(), EPS);
    }

    /**
     * "a" against "a b c" and "a b c d": 7 reference words, count(a) = 2, info(a) = -log2(2/7) = log2(3.5);
     * average reference length 7/2, ratio 1 / 3.5: NIST = log2(3.5) * exp(-beta * ln(2/7)^2).
     */
    @Test
    void shortOutputIsPenalised() {
        List<String> hyps = List.of("a");
        List<List<String>> refs = List.of(List.of("a b c", "a b c d"));
        double expected = log2(3.5) * penalty(2.0 / 7);
        NistScore perl = Nist.score(hyps, refs);
        assertEquals(expected, perl.nist(), EPS);
        assertEquals(penalty(2.0 / 7), perl.lengthPenalty(), EPS);
        assertEquals(expected, Nist.score(hyps, refs, Implementation.PYMTEVAL).nist(), EPS);
    }

    /**
     * Where the implementations part: "a b c" against "a b c" and "a b c d e", "x" against "x y z". 11 reference
     * words; info(a) = info(b) = info(c) = -log2(2/11), info(x) = -log2(1/11); every matched bigram and trigram
     * has information 0 (count(a b) = count(a) and so on). Information: (3 log2(5.5) + log2(11)) / 4 unigrams.
     * Perl (the scorer's edit): 1.5 non-empty references per segment on average, reference length 11 / 1.5,
     * ratio 4 / (22/3) = 6/11. Python port: per-segment mean reference lengths (3+5)/2 + 3 = 7, ratio 4/7.
     */
    @Test
    void lengthPenaltyDiffersBetweenPerlAndPythonWithVariableReferences() {
        List<String> hyps = List.of("a b c", "x");
        List<List<String>> refs = List.of(List.of("a b c", "a b c d e"), List.of("x y z"));
        double information = (3 * log2(5.5) + log2(11)) / 4;
        NistScore perl = Nist.score(hyps, refs, Implementation.MTEVAL_PERL);
        assertEquals(information * penalty(6.0 / 11), perl.nist(), EPS);
        assertEquals(22.0 / 3, perl.referenceLength(), EPS);
        NistScore python = Nist.score(hyps, refs, Implementation.PYMTEVAL);
        assertEquals(information * penalty(4.0 / 7), python.nist(), EPS);
        assertEquals(7.0, python.referenceLength(), EPS);
    }

    /**
     * mteval's Perl tests the n-gram prefix for truth, and the string "0" is false: the bigram "0 stars" takes
     * its information against all 4 reference words, -log2(1/4) = 2, instead of -log2(1/1) = 0.
     * Perl: unigrams (info(0) = 2, info(stars) = 1) 3 / 2 + bigram 2 / 1 = 3.5; the Python port: 1.5.
     */
    @Test
    void perlTreatsAZeroTokenPrefixAsFalse() {
        List<String> hyps = List.of("0 stars");
        List<List<String>> refs = List.of(List.of("0 stars", "5 stars"));
        assertEquals(3.5, Nist.score(hyps, refs).nist(), EPS);
        assertEquals(1.5, Nist.score(hyps, refs, Implementation.PYMTEVAL).nist(), EPS);
    }

    @Test
    void lowercasedUnlessCaseIsPreserved() {
        List<String> hyps = List.of("A B");
        List<List<String>> refs = List.of(List.of("a b", "a c"));
        assertEquals(2.5, Nist.score(hyps, refs).nist(), EPS);
        assertEquals(0.0, Nist.score(hyps, refs, Implementation.MTEVAL_PERL, true).nist(), 0);
        assertEquals(0.0, Nist.score(hyps, refs, Implementation.PYMTEVAL, true).nist(), 0);
    }

    @Test
    void identicalOutputGetsNoPenaltyAndNoOverlapScoresZero() {
        List<String> sentences = List.of("the cat sat on the mat", "a dog barked at the cat");
        NistScore identical = Nist.score(sentences, List.of(List.of(sentences.get(0)), List.of(sentences.get(1))));
        assertEquals(1.0, identical.lengthPenalty(), 0);
        // 12 reference words: the x3, cat x2, seven others once; info(w) = -log2(count(w) / 12), and every
        // hypothesis unigram matches
        double unigrams = (3 * log2(12.0 / 3) + 2 * log2(12.0 / 2) + 7 * log2(12.0)) / 12;
        assertEquals(unigrams, identical.information()[0], EPS);
        assertEquals(0.0, Nist.score(List.of("a b c"), List.of(List.of("d e f"))).nist(), 0);
    }

    /**
     * An empty hypothesis matches nothing; an output that is empty everywhere scores 0 (ratio 0). The Python port
     * turns an empty string into one empty token; it still scores 0 here.
     */
    @Test
    void emptyHypotheses() {
        List<List<String>> refs = List.of(List.of("a b"), List.of("a"));
        NistScore perl = Nist.score(List.of("a b", ""), refs);
        // info(a) = -log2(2/3), info(b) = -log2(1/3), info(a b) = -log2(1/2); ref length 3, hypothesis 2
        double information = (log2(1.5) + log2(3)) / 2 + 1;
        assertEquals(information * penalty(2.0 / 3), perl.nist(), EPS);
        assertEquals(0.0, Nist.score(List.of("", ""), refs).nist(), 0);
        assertEquals(0.0, Nist.score(List.of("", ""), refs, Implementation.PYMTEVAL).nist(), 0);
    }

    /** References without any word: mteval would divide by zero; here nothing matches and the score is 0. */
    @Test
    void emptyReferences() {
        assertEquals(0.0, Nist.score(List.of("a b"), List.of(List.of("", ""))).nist(), 0);
        assertEquals(0.0, Nist.score(List.of("a b"), List.of(List.of(""))).nist(), 0);
    }

    @Test
    void pythonPortNeedsAReferencePerSegment() {
        assertThrows(IllegalArgumentException.class,
                () -> Nist.score(List.of("a", "b"), List.of(List.of("a"), List.of()), Implementation.PYMTEVAL));
        assertEquals(Nist.score(List.of("a", "b"), List.of(List.of("a"), List.of("")), Implementation.MTEVAL_PERL),
                Nist.score(List.of("a", "b"), List.of(List.of("a"), List.of()), Implementation.MTEVAL_PERL));
    }

    @Test
    void pythonPortTokenizerKeepsAnEmptyToken() {
        assertEquals(List.of(""), Nist.pythonTokens("", false));
        assertEquals(List.of("it", "costs", "£20", "-", "25", "."), Nist.pythonTokens("It costs £20-25.", false));
        assertEquals(List.of("été"), Nist.pythonTokens("ÉTÉ", false));
    }
}
