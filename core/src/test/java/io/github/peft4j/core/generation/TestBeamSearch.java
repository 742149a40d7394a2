package io.github.peft4j.core.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import io.github.peft4j.testing.EngineManager;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class TestBeamSearch {
    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    /**
     * Vocabulary 5 (EOS = 4), at most 3 new tokens: 4 + 16 + 64 + 1 + 4 + 16 = 105 complete sequences at most,
     * and at each step at most 16 * 5 = 80 real candidates. With 80 beams every real candidate ranks among the
     * first {@code numBeams} (the beams transformers starts at -1e9 only produce candidates near -1e9), so every
     * real continuation stays running and every complete sequence is offered to the finished list. The
     * heuristic cannot stop early: before the last step at most 1 + 4 real hypotheses have finished, fewer than
     * the 80 slots, and the slots filled by the -1e9 beams score far below any real running beam. So beam search
     * must return exactly the best sequences of an exhaustive enumeration under the same length-penalised score.
     */
    @ParameterizedTest(name = "lengthPenalty {0}")
    @ValueSource(doubles = {1.0, 0.0, 2.0, -1.0})
    void coveringBeamFindsTheGloballyBestSequences(double lengthPenalty) {
        ToyLanguageModel model = ToyLanguageModel.trigram(5, 11, 1.5);
        GenerationConfig config = GenerationConfig.beamSearch(80, 3)
                .withEosTokenIds(4)
                .withLengthPenalty(lengthPenalty)
                .withNumReturnSequences(6);
        for (long[] prompt : new long[][] {{0}, {2, 3}, {1, 1, 4}}) {
            assertMatchesEnumeration(model, prompt, config);
        }
    }

    @Test
    void coveringBeamFindsTheGloballyBestSequencesUnderConstraints() {
        ToyLanguageModel model = ToyLanguageModel.trigram(5, 12, 1.5);
        GenerationConfig config = GenerationConfig.beamSearch(80, 3)
                .withEosTokenIds(4)
                .withLengthPenalty(1.5)
                .withMinNewTokens(1)
                .withBannedTokenIds(2)
                .withNoRepeatNgramSize(2)
                .withNumReturnSequences(5);
        for (long[] prompt : new long[][] {{0, 1}, {3, 3}, {1, 0, 3}}) {
            assertMatchesEnumeration(model, prompt, config);
        }
    }

    @Test
    void nBestIsSortedAndEachScoreIsTheLengthPenalisedLogProbability() {
        ToyLanguageModel model = ToyLanguageModel.trigram(10, 9, 2.0);
        GenerationConfig config = GenerationConfig.beamSearch(4, 7)
                .withEosTokenIds(9)
                .withLengthPenalty(1.3)
                .withNumReturnSequences(4);
        long[] prompt = {5, 1};

        List<GeneratedSequence> best = generate(model, config, prompt).get(0);

        assertThat(best).hasSize(4);
        assertThat(best).extracting(GeneratedSequence::score).isSortedAccordingTo((a, b) -> Double.compare(b, a));
        assertThat(best.stream().map(s -> Arrays.toString(s.tokens()))).doesNotHaveDuplicates();
        assertThat(best).anySatisfy(s -> assertThat(s.length()).isLessThan(7));
        for (GeneratedSequence sequence : best) {
            assertThat(sequence.score()).isCloseTo(
                    ReferenceDecoding.beamScore(model, prompt, sequence.tokens(), 1.3), within(1e-4));
            assertThat(ReferenceDecoding.violations(config, prompt, sequence.tokens())).isEmpty();
        }
    }

    @Test
    void constraintsHoldForEveryReturnedSequence() {
        ToyLanguageModel model = ToyLanguageModel.trigram(8, 5, 2.0);
        GenerationConfig config = GenerationConfig.beamSearch(5, 10)
                .withEosTokenIds(7)
                .withMinNewTokens(3)
                .withBannedTokenIds(1, 6)
                .withNoRepeatNgramSize(2)
                .withNumReturnSequences(5);
        for (long[] prompt : new long[][] {{0}, {2, 3}, {4, 4, 5}, {3, 2, 0, 5}}) {
            for (GeneratedSequence sequence : generate(model, config, prompt).get(0)) {
                assertThat(ReferenceDecoding.violations(config, prompt, sequence.tokens()))
                        .as("%s after %s", sequence, Arrays.toString(prompt))
                        .isEmpty();
            }
        }
    }

    @Test
    void batchOfThreeEqualsEachRowAlone() {
        ToyLanguageModel model = ToyLanguageModel.trigram(9, 21, 2.0);
        GenerationConfig config = GenerationConfig.beamSearch(3, 8)
                .withEosTokenIds(8)
                .withPadTokenId(0)
                .withLengthPenalty(0.7)
                .withNumReturnSequences(2);
        long[][] prompts = {{1, 2}, {5}, {3, 7, 0}};
        List<List<GeneratedSequence>> batched;
        try (ToyDecodingState state = new ToyDecodingState(ARRAYS.manager(), model, prompts)) {
            batched = Generator.generate(state, Arrays.asList(prompts), config);

            assertThat(state.selections().get(0)).as("expansion to rows * numBeams")
                    .containsExactly(0, 0, 0, 1, 1, 1, 2, 2, 2);
        }

        for (int row = 0; row < prompts.length; row++) {
            List<GeneratedSequence> alone = generate(model, config, prompts[row]).get(0);
            assertThat(batched.get(row)).hasSize(2);
            for (int i = 0; i < 2; i++) {
                assertThat(batched.get(row).get(i).tokens()).containsExactly(alone.get(i).tokens());
                assertThat(batched.get(row).get(i).score()).isCloseTo(alone.get(i).score(), within(1e-6));
            }
        }
        assertThat(batched.stream().map(best -> best.get(0).length()).distinct()).as("rows end at different steps")
                .hasSizeGreaterThan(1);
    }

    /**
     * transformers only lets the first {@code numBeams} of the 2 * numBeams candidates finish. Here the lone EOS
     * (p = 0.25, the best complete sequence by far with lengthPenalty 0) ranks third of four candidates at the
     * first step with 2 beams, so it is dropped; at the last step the two best candidates finish.
     */
    @Test
    void eosOutsideTheTopNumBeamsCandidatesNeverFinishes() {
        ToyLanguageModel model = ToyLanguageModel.scripted(new double[] {0.25, 0.25, 0.25, 0.25}, Map.of(
                "0", new double[] {0.40, 0.30, 0.05, 0.25},
                "0 0", new double[] {0.05, 0.15, 0.30, 0.50},
                "0 1", new double[] {0.10, 0.25, 0.30, 0.35}));
        GenerationConfig config = GenerationConfig.beamSearch(2, 2)
                .withEosTokenIds(3)
                .withLengthPenalty(0.0)
                .withNumReturnSequences(2);

        List<GeneratedSequence> best = generate(model, config, new long[] {0}).get(0);

        assertThat(ReferenceDecoding.enumerate(model, new long[] {0}, config).get(0).tokens()).containsExactly(3);
        assertThat(best.get(0).tokens()).containsExactly(0, 3);
        assertThat(best.get(0).score()).isCloseTo(Math.log(0.40 * 0.50), within(1e-5));
        assertThat(best.get(1).tokens()).containsExactly(0, 2);
        assertThat(best.get(1).score()).isCloseTo(Math.log(0.40 * 0.30), within(1e-5));
    }

    /**
     * Scores divide by the generated length including EOS. Step 1: [3] finishes (ln 0.6 / 1). Step 2: [0 3]
     * finishes (ln 0.14 / 2 = -0.983) and fills the second slot; the best running beam [1 0] could still reach
     * ln 0.171 / 2 = -0.883. With earlyStopping the search stops there; without, the heuristic goes on, [1 0 3]
     * finishes at step 3 (ln 0.1539 / 3 = -0.624) and displaces [0 3], and then the best running beam
     * (ln 0.0096 / 3) cannot beat the worst finished one, so the search stops before maxNewTokens.
     */
    @ParameterizedTest(name = "earlyStopping {0}")
    @ValueSource(booleans = {true, false})
    void stopsAsTransformersDoes(boolean earlyStopping) {
        ToyLanguageModel model = ToyLanguageModel.scripted(new double[] {0.4, 0.3, 0.2, 0.1}, Map.of(
                "0", new double[] {0.20, 0.19, 0.01, 0.60},
                "0 0", new double[] {0.12, 0.10, 0.08, 0.70},
                "0 1", new double[] {0.90, 0.05, 0.03, 0.02},
                "0 1 0", new double[] {0.05, 0.04, 0.01, 0.90}));
        GenerationConfig config = GenerationConfig.beamSearch(2, 5)
                .withEosTokenIds(3)
                .withEarlyStopping(earlyStopping)
                .withNumReturnSequences(2);

        try (ToyDecodingState state = new ToyDecodingState(ARRAYS.manager(), model, new long[] {0})) {
            List<GeneratedSequence> best = Generator.generate(state, config).get(0);

            assertThat(best.get(0).tokens()).containsExactly(3);
            assertThat(best.get(0).score()).isCloseTo(Math.log(0.6), within(1e-5));
            if (earlyStopping) {
                assertThat(best.get(1).tokens()).containsExactly(0, 3);
                assertThat(best.get(1).score()).isCloseTo(Math.log(0.2 * 0.7) / 2, within(1e-5));
                assertThat(state.appended()).as("model steps after the first").hasSize(1);
            } else {
                assertThat(best.get(1).tokens()).containsExactly(1, 0, 3);
                assertThat(best.get(1).score()).isCloseTo(Math.log(0.19 * 0.9 * 0.9) / 3, within(1e-5));
                assertThat(state.appended()).as("model steps after the first").hasSize(2);
            }
        }
    }

    @Test
    void earlyStoppingNeverRunsLongerNorFindsBetter() {
        ToyLanguageModel model = ToyLanguageModel.trigram(6, 8, 2.5);
        GenerationConfig lazy = GenerationConfig.beamSearch(3, 12).withEosTokenIds(5).withNumReturnSequences(3);
        GenerationConfig eager = lazy.withEarlyStopping(true);
        int stoppedEarlier = 0;
        for (long[] prompt : new long[][] {{0}, {1, 2}, {3, 4}, {2, 2, 1}, {4}}) {
            try (ToyDecodingState lazyState = new ToyDecodingState(ARRAYS.manager(), model, prompt);
                    ToyDecodingState eagerState = new ToyDecodingState(ARRAYS.manager(), model, prompt)) {
                GeneratedSequence lazyBest = Generator.generate(lazyState, lazy).get(0).get(0);
                List<GeneratedSequence> eagerBest = Generator.generate(eagerState, eager).get(0);

                assertThat(eagerState.appended().size()).isLessThanOrEqualTo(lazyState.appended().size());
                assertThat(lazyBest.score()).isGreaterThanOrEqualTo(eagerBest.get(0).score());
                if (eagerState.appended().size() < 11) {
                    assertThat(eagerBest).allSatisfy(s -> assertThat(s.tokens()[s.length() - 1]).isEqualTo(5));
                }
                if (eagerState.appended().size() < lazyState.appended().size()) {
                    stoppedEarlier++;
                }
            }
        }
        assertThat(stoppedEarlier).as("cases where early stopping made a difference").isPositive();
    }

    @Test
    void closesEveryArrayItCreatesAndLeavesNoneInTheState() {
        ToyLanguageModel model = ToyLanguageModel.trigram(7, 4, 2.0);
        GenerationConfig config = GenerationConfig.beamSearch(4, 9).withEosTokenIds(6);
        try (ToyDecodingState state = new ToyDecodingState(ARRAYS.manager(), model, new long[] {1}, new long[] {2, 3})) {
            Generator.generate(state, config);

            assertThat(state.received()).hasSizeGreaterThan(8).allMatch(NDArray::isReleased);
            assertThat(state.liveArrays()).as("only the current logits").isLessThanOrEqualTo(1);
        }
    }

    private static void assertMatchesEnumeration(ToyLanguageModel model, long[] prompt, GenerationConfig config) {
        List<GeneratedSequence> expected = ReferenceDecoding.enumerate(model, prompt, config);

        List<GeneratedSequence> actual = generate(model, config, prompt).get(0);

        assertThat(actual).hasSize(config.numReturnSequences());
        for (int i = 0; i < actual.size(); i++) {
            assertThat(actual.get(i).tokens()).as("rank %d after %s", i, Arrays.toString(prompt))
                    .containsExactly(expected.get(i).tokens());
            assertThat(actual.get(i).score()).isCloseTo(expected.get(i).score(), within(1e-4));
        }
    }

    private static List<List<GeneratedSequence>> generate(ToyLanguageModel model, GenerationConfig config,
            long[] prompt) {
        try (ToyDecodingState state = new ToyDecodingState(ARRAYS.manager(), model, prompt)) {
            return Generator.generate(state, List.of(prompt), config);
        }
    }
}
