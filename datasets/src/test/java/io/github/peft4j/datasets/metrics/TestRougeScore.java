package io.github.peft4j.datasets.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** Google rouge_score's ROUGE-1/2/L, with expected values worked out by hand in the comments. */
final class TestRougeScore {
    private static final Offset<Double> EXACT = within(1e-12);

    @Test
    void tokenizesAsRougeScore() {
        // lower-case, every run of non-[a-z0-9] becomes a space (so "fox's" gives "fox" "s", and the accented letters
        // of "Café" and "naïve" split them), tokens longer than 3 characters are stemmed: dogs -> dog
        assertThat(RougeScore.tokenize("The quick-brown fox's 2 DOGS!  Café, naïve--x", true))
                .containsExactly("the", "quick", "brown", "fox", "s", "2", "dog", "caf", "na", "ve", "x");
        assertThat(RougeScore.tokenize("The quick-brown fox's 2 DOGS!", false))
                .containsExactly("the", "quick", "brown", "fox", "s", "2", "dogs");
        // "was" has 3 characters and is not stemmed (the stemmer alone would give "wa"); "dies" has 4: -> "die"
        assertThat(RougeScore.tokenize("dies was running", true)).containsExactly("die", "was", "run");
        assertThat(RougeScore.tokenize("  ...  ", true)).isEmpty();
    }

    @Test
    void readmeExample() {
        // target:     the quick brown fox jump over the lazi dog   (9 tokens after stemming)
        // prediction: the quick brown dog jump on the log          (8 tokens)
        RougeScores scores = RougeScore.scoreExample("The quick brown dog jumps on the log.",
                "The quick brown fox jumps over the lazy dog", true);
        // unigrams in common, clipped: the x2, quick, brown, jump, dog = 6 -> P = 6/8, R = 6/9
        assertMeasure(scores.rouge1(), 6.0 / 8, 6.0 / 9);
        assertThat(scores.rouge1().fmeasure()).isCloseTo(0.7058823529411765, EXACT);
        // bigrams in common: "the quick", "quick brown" = 2 of 7 predicted and 8 target bigrams
        assertMeasure(scores.rouge2(), 2.0 / 7, 2.0 / 8);
        // LCS: the quick brown jump the = 5 -> P = 5/8, R = 5/9, F = 0.5882...
        assertMeasure(scores.rougeL(), 5.0 / 8, 5.0 / 9);
        assertThat(scores.rougeL().fmeasure()).isCloseTo(0.5882352941176471, EXACT);
    }

    @Test
    void severalReferencesTakeTheBestFOfEachVariantSeparately() {
        // prediction: the cat sat on a mat (6 tokens, 5 bigrams)
        RougeScores scores = RougeScore.scoreExample("the cat sat on a mat",
                List.of("a b c d", "the cat sat", "cat sat on the mat"), true);
        // rouge1: "the cat sat" 3 matches: P 1/2, R 1, F 2/3; "cat sat on the mat" 5 matches: P 5/6, R 1, F 10/11
        assertMeasure(scores.rouge1(), 5.0 / 6, 1.0);
        // rouge2: "the cat sat" shares "the cat", "cat sat": P 2/5, R 2/2, F 4/7; the third shares "cat sat",
        // "sat on": P 2/5, R 2/4, F 4/9 -> the second reference wins here
        assertMeasure(scores.rouge2(), 2.0 / 5, 1.0);
        // rougeL: LCS 3 with the second (F 2/3), LCS "cat sat on mat" 4 with the third: P 4/6, R 4/5, F 8/11
        assertMeasure(scores.rougeL(), 4.0 / 6, 4.0 / 5);
    }

    @Test
    void onEqualFTheFirstReferenceWins() {
        // "a b" against "a b c d": P 1, R 1/2, F 2/3; against "a": P 1/2, R 1, F 2/3 (np.argmax keeps the first)
        assertMeasure(RougeScore.scoreExample("a b", List.of("a b c d", "a"), false).rouge1(), 1.0, 0.5);
        assertMeasure(RougeScore.scoreExample("a b", List.of("a", "a b c d"), false).rouge1(), 0.5, 1.0);
    }

    @Test
    void identicalDisjointAndEmptyTexts() {
        RougeScores same = RougeScore.scoreExample("A man bites a dog.", "a man bites a dog", true);
        assertMeasure(same.rouge1(), 1, 1);
        assertMeasure(same.rouge2(), 1, 1);
        assertMeasure(same.rougeL(), 1, 1);

        RougeScores disjoint = RougeScore.scoreExample("red green", "blue yellow", true);
        assertMeasure(disjoint.rouge1(), 0, 0);
        assertMeasure(disjoint.rougeL(), 0, 0);

        // no tokens: n-gram counts are divided by max(count, 1) and LCS is 0 by definition -> all 0, never NaN
        for (RougeScores empty : List.of(RougeScore.scoreExample("", "a reference", true),
                RougeScore.scoreExample("a prediction", "", true), RougeScore.scoreExample("", "", true),
                RougeScore.scoreExample("!!!", "?", true))) {
            assertMeasure(empty.rouge1(), 0, 0);
            assertMeasure(empty.rouge2(), 0, 0);
            assertMeasure(empty.rougeL(), 0, 0);
        }
        // one token: no bigram on either side -> rouge2 0 although the unigram matches
        RougeScores single = RougeScore.scoreExample("cat", "cat", true);
        assertMeasure(single.rouge1(), 1, 1);
        assertMeasure(single.rouge2(), 0, 0);
    }

    @Test
    void stemmingMakesInflectionsMatch() {
        // stemmed: "run" "fast" vs "run" "fast"; unstemmed: "running" vs "runs" differ
        assertThat(RougeScore.scoreExample("running fast", "runs fast", true).rouge1().fmeasure()).isEqualTo(1.0);
        assertThat(RougeScore.scoreExample("running fast", "runs fast", false).rouge1().fmeasure()).isEqualTo(0.5);
    }

    @Test
    void corpusScoreIsTheMeanOfTheExamples() {
        // example 1: identical -> P = R = F = 1; example 2: "a b" vs "a b c d": P 1, R 1/2, F 2/3
        RougeScores corpus = RougeScore.score(List.of("x y z", "a b"), List.of(List.of("x y z"), List.of("a b c d")));
        assertThat(corpus.rouge1().precision()).isCloseTo(1.0, EXACT);
        assertThat(corpus.rouge1().recall()).isCloseTo(0.75, EXACT);
        // the mean of the F values (1 + 2/3) / 2 = 5/6, not the F of the mean P and R (6/7)
        assertThat(corpus.rouge1().fmeasure()).isCloseTo(5.0 / 6, EXACT);
        // rouge2: example 2 shares "a b" of 1 predicted and 3 target bigrams: P 1, R 1/3, F 1/2
        assertThat(corpus.rouge2().fmeasure()).isCloseTo((1 + 0.5) / 2, EXACT);
        // references of different counts per example
        RougeScores mixed = RougeScore.score(List.of("x", "y"), List.of(List.of("x"), List.of("z", "q", "y")));
        assertThat(mixed.rougeL().fmeasure()).isCloseTo(1.0, EXACT);
    }

    @Test
    void rejectsMisshapenInput() {
        assertThatThrownBy(() -> RougeScore.score(List.of("a"), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RougeScore.score(List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RougeScore.score(List.of("a"), List.of(List.of())))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertMeasure(RougeMeasure measure, double precision, double recall) {
        assertThat(measure.precision()).as("precision").isCloseTo(precision, EXACT);
        assertThat(measure.recall()).as("recall").isCloseTo(recall, EXACT);
        double f = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
        assertThat(measure.fmeasure()).as("F").isCloseTo(f, EXACT);
    }
}
