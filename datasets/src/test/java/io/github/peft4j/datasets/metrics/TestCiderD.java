package io.github.peft4j.datasets.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * The E2E scorer's CIDEr (pycocoevalcap's CIDEr-D) on tiny corpora worked out by hand. In all of them N = 2 examples, so
 * idf(g) = ln 2 - ln(max(1, df(g))): ln 2 for an n-gram in the references of one example or of none, 0 for one in both.
 */
final class TestCiderD {
    private static final Offset<Double> EXACT = within(1e-12);
    private static final double SQRT2 = Math.sqrt(2);
    private static final double SQRT3 = Math.sqrt(3);

    @Test
    void tfIdfAndCosine() {
        // example 0: "a b" vs ["a b"]; example 1: "c d" vs ["a c"]. df: a 2 (idf 0), b, c, "a b", "a c" 1 (idf ln 2)
        // example 0: 1-grams {a: 0, b: ln2} on both sides -> cosine 1; 2-grams {"a b": ln2} -> 1; no 3-, 4-grams -> 0;
        //            equal lengths -> no penalty; 10 * (1 + 1 + 0 + 0) / 4 = 5
        // example 1: hypothesis 1-grams {c: ln2, d: ln2} (norm sqrt2 ln2), reference {a: 0, c: ln2} (norm ln2):
        //            cosine ln2^2 / (sqrt2 ln2 * ln2) = 1/sqrt2; 2-grams "c d" vs "a c" -> 0; 10 * (1/sqrt2) / 4
        double[] scores = CiderD.sentenceScoresTokenized(List.of("a b", "c d"), List.of(List.of("a b"), List.of("a c")));
        assertThat(scores).containsExactly(new double[] {5.0, 2.5 / SQRT2}, within(1e-12));
        assertThat(CiderD.scoreTokenized(List.of("a b", "c d"), List.of(List.of("a b"), List.of("a c"))))
                .isCloseTo((5.0 + 2.5 / SQRT2) / 2, EXACT);
    }

    @Test
    void rawTextsAreTokenizedFirst() {
        // "The pub." -> "the pub", "Cheap food!" -> "cheap food", "The, cheap" -> "the cheap": the corpus above
        assertThat(CiderD.score(List.of("The pub.", "Cheap food!"), List.of(List.of("the pub"), List.of("The, cheap"))))
                .isCloseTo((5.0 + 2.5 / SQRT2) / 2, EXACT);
    }

    @Test
    void hypothesisWeightsAreClippedAtTheReference() {
        // example 0: "x x" vs ["x y"]; example 1: "z" vs ["w"]; every n-gram has idf ln 2
        // 1-grams: hypothesis {x: 2 ln2} (norm 2 ln2), reference {x: ln2, y: ln2} (norm sqrt2 ln2)
        // clipped: min(2 ln2, ln2) * ln2 = ln2^2 -> cosine 1 / (2 sqrt2) (unclipped it would be twice that)
        // 2-grams: "x x" vs "x y" -> 0; both have one 2-gram -> no penalty
        // example 1 shares nothing -> 0
        double[] scores = CiderD.sentenceScoresTokenized(List.of("x x", "z"), List.of(List.of("x y"), List.of("w")));
        assertThat(scores).containsExactly(new double[] {10 * (1 / (2 * SQRT2)) / 4, 0.0}, within(1e-12));
    }

    @Test
    void gaussianLengthPenalty() {
        // example 0: "p q r s" vs ["p q"]; example 1: "t" vs ["u"]; every n-gram has idf ln 2
        // 1-grams: p q r s (norm 2 ln2) vs p q (norm sqrt2 ln2): 2 ln2^2 / (2 sqrt2 ln2^2) = 1/sqrt2
        // 2-grams: "p q" "q r" "r s" (norm sqrt3 ln2) vs "p q" (ln2): 1/sqrt3; 3- and 4-grams: the reference has none
        // lengths (the scorer counts 2-grams): 3 and 1 -> penalty exp(-(3 - 1)^2 / (2 * 6^2)) = exp(-1/18)
        double expected = 10 * (1 / SQRT2 + 1 / SQRT3) / 4 * Math.exp(-1.0 / 18);
        double[] scores = CiderD.sentenceScoresTokenized(List.of("p q r s", "t"), List.of(List.of("p q"), List.of("u")));
        assertThat(scores[0]).isCloseTo(expected, EXACT);
        assertThat(scores[1]).isZero();
    }

    @Test
    void scoresAreAveragedOverReferences() {
        // example 0: "a b" vs ["a b", "c"]; example 1: "c" vs ["d"]; every n-gram has idf ln 2
        // against "a b": 1-gram and 2-gram cosines 1; against "c": 0 -> sums per n (1, 1, 0, 0)
        // 10 * mean_n / 2 references = 10 * 0.5 / 2 = 2.5
        double[] scores = CiderD.sentenceScoresTokenized(List.of("a b", "c"),
                List.of(List.of("a b", "c"), List.of("d")));
        assertThat(scores).containsExactly(new double[] {2.5, 0.0}, within(1e-12));
    }

    @Test
    void documentFrequencyCountsExamplesNotReferences() {
        // example 0: "a" vs ["a", "a"]; example 1: "b" vs ["b"]. df(a) = 1 (one example), so idf(a) = ln 2 and both
        // references give cosine 1: sums (2, 0, 0, 0) -> 10 * (2/4) / 2 = 2.5; example 1 likewise 10 * (1/4) = 2.5
        assertThat(CiderD.sentenceScoresTokenized(List.of("a", "b"), List.of(List.of("a", "a"), List.of("b"))))
                .containsExactly(new double[] {2.5, 2.5}, within(1e-12));
        // an n-gram in the references of every example has idf 0 and counts for nothing: "a" is in both
        assertThat(CiderD.sentenceScoresTokenized(List.of("a", "a"), List.of(List.of("a"), List.of("a b"))))
                .containsExactly(new double[] {0.0, 0.0}, within(1e-12));
    }

    @Test
    void aCorpusOfOneExampleScoresZero() {
        // N = 1: idf = ln 1 - ln 1 = 0 for every n-gram of the references, so all weights vanish, as in the original
        assertThat(CiderD.scoreTokenized(List.of("the same text"), List.of(List.of("the same text")))).isZero();
    }

    @Test
    void emptyTextsScoreZeroNotNaN() {
        // no n-grams: norms 0, the scorer skips the division -> 0 (also when every reference is empty)
        assertThat(CiderD.sentenceScoresTokenized(List.of("", "a b"), List.of(List.of("a b"), List.of(""))))
                .containsExactly(0.0, 0.0);
        assertThat(CiderD.scoreTokenized(List.of("", ""), List.of(List.of(""), List.of("", "")))).isZero();
        assertThat(CiderD.score(List.of("", "..."), List.of(List.of("A pub."), List.of("!")))).isZero();
    }

    @Test
    void splitsAtPythonWhitespace() {
        // str.split(): runs of whitespace, including the no-break space the PTB tokenizer puts inside "5 1/2"
        assertThat(CiderD.splitWhitespace(" 5\u00A01/2  miles\t")).containsExactly("5", "1/2", "miles");
        assertThat(CiderD.splitWhitespace("")).isEmpty();
        assertThat(CiderD.ngramCounts("a b a b")).containsEntry(List.of("a", "b"), 2).containsEntry(List.of("a"), 2)
                .containsEntry(List.of("a", "b", "a", "b"), 1).hasSize(2 + 2 + 2 + 1);
    }

    @Test
    void rejectsMisshapenInput() {
        assertThatThrownBy(() -> CiderD.score(List.of("a", "b"), List.of(List.of("a"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CiderD.score(List.of("a"), List.of(List.of())))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
