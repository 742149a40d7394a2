package io.github.peft4j.datasets.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The E2E scorer's ROUGE-L (pycocoevalcap {@code Rouge}), with expected values worked out by hand in the comments. */
final class TestRougeCoco {
    private static final Offset<Double> EXACT = within(1e-12);

    /** F of pycocoevalcap with β = 1.2: (1 + β²) P R / (R + β² P). */
    private static double f(double p, double r) {
        return 2.44 * p * r / (r + 1.44 * p);
    }

    @Test
    void lcsLengths() {
        assertThat(RougeCoco.lcsLength("the cat sat on the mat".split(" "), "the cat is on the mat".split(" ")))
                .isEqualTo(5); // the cat on the mat
        assertThat(RougeCoco.lcsLength("a b c d".split(" "), "d c b a".split(" "))).isEqualTo(1);
        assertThat(RougeCoco.lcsLength("a b c b d a b".split(" "), "b d c a b a".split(" "))).isEqualTo(4); // bcba
        assertThat(RougeCoco.lcsLength(new String[0], "a".split(" "))).isZero();
    }

    @Test
    void betaWeighsRecall() {
        // "a b c d" against "a b": LCS 2, P = 2/4, R = 2/2 -> F = 2.44 * 0.5 / (1 + 0.72) = 61/86
        assertThat(RougeCoco.sentenceScore("a b c d", List.of("a b"))).isCloseTo(61.0 / 86, EXACT);
        // the other way round, P = 1, R = 1/2 -> F = 1.22 / 1.94 = 61/97: lower, recall counts more
        assertThat(RougeCoco.sentenceScore("a b", List.of("a b c d"))).isCloseTo(61.0 / 97, EXACT);
    }

    @Test
    void precisionAndRecallMaximaMayComeFromDifferentReferences() {
        // hypothesis: the cat sat on the mat (6 tokens)
        // reference 1 (9 tokens) contains all of it: LCS 6, P = 1, R = 6/9
        // reference 2 "cat sat": LCS 2, P = 2/6, R = 1
        // max P = 1 (reference 1) and max R = 1 (reference 2) -> F = 1 though no reference is the hypothesis
        assertThat(RougeCoco.sentenceScore("the cat sat on the mat",
                List.of("the cat sat on the mat today and yesterday", "cat sat"))).isCloseTo(1.0, EXACT);
        // with reference 2 alone: P = 1/3, R = 1
        assertThat(RougeCoco.sentenceScore("the cat sat on the mat", List.of("cat sat")))
                .isCloseTo(f(1.0 / 3, 1), EXACT);
    }

    @Test
    void identicalAndDisjointTexts() {
        assertThat(RougeCoco.sentenceScore("blue spice is a pub", List.of("blue spice is a pub"))).isEqualTo(1.0);
        assertThat(RougeCoco.sentenceScore("blue spice", List.of("the eagle", "a pub"))).isZero();
    }

    @Test
    void emptyTextsAreOneEmptyToken() {
        // "".split(" ") is [""] in Python: an empty hypothesis has LCS 0 with a non-empty reference -> 0 ...
        assertThat(RougeCoco.sentenceScore("", List.of("a pub"))).isZero();
        assertThat(RougeCoco.sentenceScore("a pub", List.of(""))).isZero();
        // ... but LCS 1 ("" = "") with an empty reference: P = R = 1
        assertThat(RougeCoco.sentenceScore("", List.of(""))).isEqualTo(1.0);
        assertThat(RougeCoco.sentenceScore("", List.of("a pub", ""))).isEqualTo(1.0);
    }

    @Test
    void rawTextsAreTokenizedFirst() {
        // tokenized: hypothesis "blue spice is a coffee shop" (6); references "blue spice is a pub" (5) and
        // "a coffee shop called blue spice" (6)
        // reference 1: LCS "blue spice is a" 4 -> P 4/6, R 4/5; reference 2: LCS "a coffee shop" 3 -> P 3/6, R 3/6
        double first = f(4.0 / 6, 4.0 / 5);
        // second example: "The Eagle." against "the eagle" -> identical after tokenization, 1
        double corpus = RougeCoco.score(List.of("Blue Spice is a coffee shop.", "The Eagle."),
                List.of(List.of("Blue Spice is a pub.", "A coffee shop called Blue Spice."), List.of("the eagle")));
        assertThat(corpus).isCloseTo((first + 1) / 2, EXACT);
        assertThat(RougeCoco.sentenceScoresTokenized(List.of("blue spice is a coffee shop", "the eagle"),
                List.of(List.of("blue spice is a pub", "a coffee shop called blue spice"), List.of("the eagle"))))
                .containsExactly(new double[] {first, 1.0}, within(1e-12));
    }

    @Test
    void rejectsMisshapenInput() {
        assertThatThrownBy(() -> RougeCoco.score(List.of("a"), List.of(List.of("a"), List.of("b"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RougeCoco.score(List.of("a"), List.of(List.of())))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RougeCoco.score(List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
