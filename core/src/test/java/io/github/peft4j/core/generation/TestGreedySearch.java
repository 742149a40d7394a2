package io.github.peft4j.core.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.peft4j.testing.EngineManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class TestGreedySearch {
    private static final int VOCAB = 12;
    private static final long EOS = 11;
    private static final long PAD = 0;
    private static final ToyLanguageModel MODEL = ToyLanguageModel.trigram(VOCAB, 7, 2.0);

    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    @Test
    void followsTheIndependentArgmaxChain() {
        GenerationConfig config = GenerationConfig.greedy(10).withEosTokenIds(EOS).withPadTokenId(PAD);
        int endedByEos = 0;
        for (long[] prompt : randomPrompts(12, 1)) {
            GeneratedSequence expected = ReferenceDecoding.greedy(MODEL, prompt, config);

            GeneratedSequence actual = generate(config, prompt).get(0).get(0);

            assertThat(actual.tokens()).as("prompt %s", Arrays.toString(prompt)).containsExactly(expected.tokens());
            assertThat(actual.score()).isCloseTo(expected.score(), within(1e-4));
            endedByEos += actual.tokens()[actual.length() - 1] == EOS ? 1 : 0;
        }
        assertThat(endedByEos).as("outputs ended by EOS").isBetween(1, 11);
    }

    @Test
    void constraintsHoldAndMatchTheReference() {
        GenerationConfig config = GenerationConfig.greedy(9)
                .withEosTokenIds(EOS)
                .withMinNewTokens(4)
                .withBannedTokenIds(2, 5)
                .withNoRepeatNgramSize(2);
        for (long[] prompt : randomPrompts(12, 2)) {
            GeneratedSequence expected = ReferenceDecoding.greedy(MODEL, prompt, config);

            GeneratedSequence actual = generate(config, prompt).get(0).get(0);

            assertThat(actual.tokens()).as("prompt %s", Arrays.toString(prompt)).containsExactly(expected.tokens());
            assertThat(actual.score()).isCloseTo(expected.score(), within(1e-4));
            assertThat(ReferenceDecoding.violations(config, prompt, actual.tokens())).isEmpty();
        }
    }

    @Test
    void runsToMaxNewTokensWithoutEos() {
        GenerationConfig config = GenerationConfig.greedy(6);
        try (ToyDecodingState state = new ToyDecodingState(ARRAYS.manager(), MODEL, new long[] {1, 2})) {
            GeneratedSequence actual = Generator.generate(state, config).get(0).get(0);

            assertThat(actual.length()).isEqualTo(6);
            assertThat(state.appended()).as("no model step after the last token").hasSize(5);
        }
    }

    @Test
    void batchRowsFinishIndependentlyAndMatchSingleRuns() {
        GenerationConfig config = GenerationConfig.greedy(12).withEosTokenIds(EOS).withPadTokenId(PAD);
        long[][] prompts = {{3, 4}, {1}, {7, 8, 9, 10}};
        try (ToyDecodingState batch = new ToyDecodingState(ARRAYS.manager(), MODEL, prompts)) {
            List<List<GeneratedSequence>> batched = Generator.generate(batch, config);

            List<Integer> lengths = new ArrayList<>();
            for (int row = 0; row < prompts.length; row++) {
                GeneratedSequence alone = generate(config, prompts[row]).get(0).get(0);
                GeneratedSequence inBatch = batched.get(row).get(0);
                assertThat(inBatch.tokens()).containsExactly(alone.tokens());
                assertThat(inBatch.score()).isCloseTo(alone.score(), within(1e-6));
                lengths.add(inBatch.length());
                long[] tokens = inBatch.tokens();
                for (int step = 0; step < batch.appended().size(); step++) {
                    long fed = batch.appended().get(step)[row];
                    long expected = step < tokens.length ? tokens[step] : PAD;
                    assertThat(fed).as("row %d, step %d", row, step).isEqualTo(expected);
                }
            }
            assertThat(lengths).as("rows end at different steps").doesNotHaveDuplicates();
            assertThat(batch.appended()).as("no model step after the last token")
                    .hasSize(lengths.stream().mapToInt(Integer::intValue).max().orElseThrow() - 1);
        }
    }

    private static List<List<GeneratedSequence>> generate(GenerationConfig config, long[] prompt) {
        try (ToyDecodingState state = new ToyDecodingState(ARRAYS.manager(), MODEL, prompt)) {
            return Generator.generate(state, List.of(prompt), config);
        }
    }

    private static List<long[]> randomPrompts(int count, long seed) {
        Random random = new Random(seed);
        List<long[]> prompts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long[] prompt = new long[1 + random.nextInt(4)];
            for (int j = 0; j < prompt.length; j++) {
                prompt[j] = random.nextInt(VOCAB - 1);
            }
            prompts.add(prompt);
        }
        return prompts;
    }
}
