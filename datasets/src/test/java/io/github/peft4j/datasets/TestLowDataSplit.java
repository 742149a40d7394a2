package io.github.peft4j.datasets;

import static io.github.peft4j.datasets.Fixtures.assertFails;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.spi.StandardErrorCode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class TestLowDataSplit {
    /** 1,000 inputs with 1 to 3 references each, grouped as the readers group them. */
    private static final List<Sample> SAMPLES = samples(1000);

    @Test
    void devIsThirtyPercentOfTrainRoundedHalfUp() {
        assertThat(List.of(50, 100, 200, 500, 1, 5, 7).stream().map(LowDataSplit::devSize).toList())
                .containsExactly(15, 30, 60, 150, 1, 2, 2);
    }

    @Test
    void drawsOneReferenceOfDistinctInputsForTrainAndDev() {
        for (int size : List.of(50, 100, 200, 500)) {
            LowDataSplit split = LowDataSplit.sample(SAMPLES, size, 7);

            assertThat(split.train()).hasSize(size);
            assertThat(split.dev()).hasSize(LowDataSplit.devSize(size));
            Set<String> trainGroups = groups(split.train());
            Set<String> devGroups = groups(split.dev());
            assertThat(trainGroups).hasSize(size);
            assertThat(devGroups).hasSize(LowDataSplit.devSize(size)).doesNotContainAnyElementsOf(trainGroups);
            assertThat(SAMPLES).containsSubsequence(split.train()).containsSubsequence(split.dev());
        }
    }

    @Test
    void theSameSeedGivesTheSameSplitAndAnotherSeedAnother() {
        LowDataSplit split = LowDataSplit.sample(SAMPLES, 50, 1);

        assertThat(LowDataSplit.sample(new ArrayList<>(SAMPLES), 50, 1)).isEqualTo(split);
        assertThat(LowDataSplit.sample(SAMPLES, 50, 2).train()).isNotEqualTo(split.train());
    }

    /** Checked against an independent implementation of the LCG that {@link java.util.Random}'s javadoc specifies. */
    @Test
    void theDrawIsPinned() {
        LowDataSplit split = LowDataSplit.sample(samples(10), 3, 42);

        assertThat(split.train()).extracting(Sample::target).containsExactly("text 2.2", "text 4.0", "text 6.0");
        assertThat(split.dev()).extracting(Sample::target).containsExactly("text 1.0");
    }

    @Test
    void tooFewInputsOrANonPositiveSizeAreRefused() {
        assertThat(LowDataSplit.sample(samples(10), 8, 1).dev()).as("8 + 2 inputs are just enough").hasSize(2);
        assertFails(() -> LowDataSplit.sample(samples(10), 9, 1), StandardErrorCode.INVALID_ARGUMENT)
                .hasMessage("A low-data split of 9 training and 3 dev examples needs 12 distinct inputs; the data has 10");
        assertFails(() -> LowDataSplit.sample(samples(10), 0, 1), StandardErrorCode.INVALID_ARGUMENT)
                .hasMessage("A low-data split needs at least 1 training example, not 0");
    }

    private static List<Sample> samples(int inputs) {
        List<Sample> samples = new ArrayList<>();
        for (int input = 0; input < inputs; input++) {
            for (int reference = 0; reference <= input % 3; reference++) {
                samples.add(new Sample("source " + input, "text " + input + "." + reference, "source " + input));
            }
        }
        return samples;
    }

    private static Set<String> groups(List<Sample> samples) {
        return new HashSet<>(samples.stream().map(Sample::group).toList());
    }
}
