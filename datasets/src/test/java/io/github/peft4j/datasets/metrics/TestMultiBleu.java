package io.github.peft4j.datasets.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** multi-bleu.perl's BLEU on small corpora worked out by hand. */
final class TestMultiBleu {
    private static final double EPS = 1e-9;

    @TempDir
    Path temp;

    /** Every n-gram matches; 5 hypothesis words against a 6-word reference: BP = exp(1 - 6/5). */
    @Test
    void brevityPenaltyIsCorpusLevel() {
        MultiBleuScore score = MultiBleu.score(List.of("a b c d e"), List.of(List.of("a b c d e x")), false);

        assertThat(score.precisions()).containsExactly(new double[] {100, 100, 100, 100}, within(EPS));
        assertThat(score.brevityPenalty()).isCloseTo(Math.exp(-0.2), within(EPS));
        assertThat(score.bleu()).isCloseTo(100 * Math.exp(-0.2), within(EPS));
        assertThat(score).hasToString("BLEU = 81.87, 100.0/100.0/100.0/100.0 (BP=0.819, ratio=0.833, hyp_len=5, ref_len=6)");
    }

    /**
     * A line with fewer references has empty lines in the other files, and an empty line is a reference of length
     * 0: line 2's 4 words are closer to it (4) than to the 12-word reference (8), so the corpus reference length is
     * 4 + 0 and there is no brevity penalty (counting only the texts it would be 4 + 12, BP exp(1 - 2)).
     */
    @Test
    void anEmptyReferenceLineIsAReferenceOfLengthZero() {
        MultiBleuScore score = MultiBleu.score(List.of("a b c d", "a b c d"),
                List.of(List.of("a b c d", ""), List.of("a b c d e f g h i j k l", "")), false);

        assertThat(score.referenceLength()).isEqualTo(4);
        assertThat(score.brevityPenalty()).isEqualTo(1);
        assertThat(score.bleu()).isCloseTo(100, within(EPS));
    }

    /** 5 words between references of 7 and 3 words, both 2 away: the shorter one counts, whichever file it is in. */
    @Test
    void aTieInClosestLengthTakesTheShorterReference() {
        assertThat(MultiBleu.score(List.of("a b c d e"), List.of(List.of("a b c d e f g", "a b c")), false).referenceLength()).isEqualTo(3);
        assertThat(MultiBleu.score(List.of("a b c d e"), List.of(List.of("a b c", "a b c d e f g")), false).referenceLength()).isEqualTo(3);
    }

    /**
     * "the" 7 times against references with 2 and 1 "the": the count is clipped by the highest in one reference,
     * 2 of 7; no bigram matches and multi-bleu does not smooth, so BLEU is 0.
     */
    @Test
    void countsAreClippedByTheBestSingleReferenceAndThereIsNoSmoothing() {
        MultiBleuScore score = MultiBleu.score(List.of("the the the the the the the"),
                List.of(List.of("the cat is on the mat", "there is a cat on the mat")), false);

        assertThat(score.precisions()).containsExactly(new double[] {200.0 / 7, 0, 0, 0}, within(EPS));
        assertThat(score.bleu()).isZero();
    }

    /** {@code -lc} lowercases hypotheses and references, ASCII letters only (the script reads bytes). */
    @Test
    void lowercasingIsOptionalAndAsciiOnly() {
        List<List<String>> references = List.of(List.of("the cat sat down"));
        assertThat(MultiBleu.score(List.of("The cat Sat down"), references, false).precisions()[0]).isCloseTo(50, within(EPS));
        assertThat(MultiBleu.score(List.of("The Cat Sat Down"), references, true).bleu()).isCloseTo(100, within(EPS));

        MultiBleuScore accented = MultiBleu.score(List.of("ÉCOLE a b c"), List.of(List.of("école a b c")), true);
        assertThat(accented.precisions()).containsExactly(new double[] {75, 100 * 2.0 / 3, 50, 0}, within(EPS));
    }

    /** Words are what ASCII whitespace separates: tabs, carriage returns and runs of spaces alike. */
    @Test
    void wordsAreSplitOnAsciiWhitespace() {
        assertThat(MultiBleu.words("  a\tb \r c\u000B d\r", false)).containsExactly("a", "b", "c", "d");
        assertThat(MultiBleu.words("a\u00a0b", false)).containsExactly("a\u00a0b");
        assertThat(MultiBleu.words("", false)).isEmpty();
    }

    @Test
    void nothingToCompareScoresZero() {
        assertThat(MultiBleu.score(List.of("a b c d"), List.of(List.of("")), false))
                .hasToString("BLEU = 0, 0/0/0/0 (BP=0, ratio=0, hyp_len=0, ref_len=0)");
        assertThat(MultiBleu.score(List.of(""), List.of(List.of("a b c d")), false).bleu()).isZero();
    }

    /** The printed BLEU rounds the double's exact value half to even, as C's printf: 48.565 is stored below it. */
    @Test
    void printedBleuRoundsAsPrintf() {
        double[] precisions = {0, 0, 0, 0};
        assertThat(new MultiBleuScore(48.565, precisions, 1, 1, 1).printedBleu()).isEqualTo(48.56);
        assertThat(new MultiBleuScore(0.125, precisions, 1, 1, 1).printedBleu()).isEqualTo(0.12);
        assertThat(new MultiBleuScore(0.375, precisions, 1, 1, 1).printedBleu()).isEqualTo(0.38);
    }

    /** Perl's chop drops each line's newline, and the last character of a last line without one. */
    @Test
    void linesAreReadAsPerlChopsThem() throws IOException {
        Path file = Files.writeString(temp.resolve("hyp.txt"), "a b\r\nc d\n\ne f");

        assertThat(MultiBleu.readLines(file)).containsExactly("a b\r", "c d", "", "e ");
    }

    @Test
    void referenceFilesScoreLikeTheScriptAndMustHaveOneLinePerHypothesis() throws IOException {
        Path hypotheses = Files.writeString(temp.resolve("hyp.txt"), "a b c d\na b c d\n");
        Path first = Files.writeString(temp.resolve("ref0"), "a b c d\na b c d e f g h i j k l\n");
        Path second = Files.writeString(temp.resolve("ref1"), "\n\n");

        assertThat(MultiBleu.scoreFiles(hypotheses, List.of(first, second), false).referenceLength()).isEqualTo(4);

        Path shortReferences = Files.writeString(temp.resolve("ref2"), "a b c d\n");
        PeftException error = Assertions.catchThrowableOfType(() -> MultiBleu.scoreFiles(hypotheses, List.of(first, shortReferences), false), PeftException.class);
        assertThat(error.getErrorCode()).isEqualTo(StandardErrorCode.MALFORMED_DATASET.toErrorCode());
        assertThat(error).hasMessageContaining(shortReferences + " has 1 lines but " + hypotheses + " has 2");
        Path missing = temp.resolve("absent");
        assertThat(Assertions.catchThrowableOfType(() -> MultiBleu.scoreFiles(hypotheses, List.of(missing), false), PeftException.class).getErrorCode())
                .isEqualTo(StandardErrorCode.FILE_NOT_FOUND.toErrorCode());
    }
}
