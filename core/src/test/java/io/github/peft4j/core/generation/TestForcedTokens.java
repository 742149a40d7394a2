package io.github.peft4j.core.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.testing.EngineManager;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hugging Face's {@code ForcedBOSTokenLogitsProcessor} and {@code ForcedEOSTokenLogitsProcessor}, as BART's
 * generation config enables them: a forced token is the only choice, scored 0, at its step and nowhere else.
 */
final class TestForcedTokens {
    private static final int VOCAB = 12;
    private static final long DECODER_START = 2;
    private static final long BOS = 0;
    private static final long EOS = 2;
    private static final ToyLanguageModel MODEL = ToyLanguageModel.trigram(VOCAB, 21, 2.0);

    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    @Test
    void defaultsForceNothingAndTheShortConstructorKeepsThem() {
        assertThat(GenerationConfig.DEFAULT.forcedBosTokenId()).isEmpty();
        assertThat(GenerationConfig.DEFAULT.forcedEosTokenId()).isEmpty();
        GenerationConfig config = GenerationConfig.beamSearch(3, 9).withForcedBosTokenId(BOS).withForcedEosTokenId(EOS)
                .withNumReturnSequences(2).withLengthPenalty(2.0);
        assertThat(config.forcedBosTokenId()).hasValue(BOS);
        assertThat(config.forcedEosTokenId()).hasValue(EOS);
        assertThat(config.withForcedTokens(OptionalLong.empty(), OptionalLong.empty()))
                .isEqualTo(new GenerationConfig(3, 9, 0, 2.0, false, Set.of(), Set.of(), 0, 2, 0));
    }

    @Test
    void greedyForcesBosAfterASingleTokenDecoderPrompt() {
        GenerationConfig forced = GenerationConfig.greedy(6).withEosTokenIds(EOS).withForcedBosTokenId(BOS);
        GeneratedSequence actual = generate(forced, DECODER_START);

        // Equal to decoding from [start, bos] with one token less, bos scored 0.
        GeneratedSequence rest = ReferenceDecoding.greedy(MODEL, new long[] {DECODER_START, BOS}, GenerationConfig.greedy(5).withEosTokenIds(EOS));
        assertThat(actual.tokens()[0]).isEqualTo(BOS);
        assertThat(Arrays.copyOfRange(actual.tokens(), 1, actual.length())).containsExactly(rest.tokens());
        assertThat(actual.score()).isCloseTo(rest.score(), within(1e-4));
    }

    @Test
    void bosIsNotForcedAfterALongerDecoderPrompt() {
        GenerationConfig plain = GenerationConfig.greedy(6).withEosTokenIds(EOS);
        long[] prompt = {DECODER_START, 7};
        assertThat(generate(plain.withForcedBosTokenId(BOS), prompt)).isEqualTo(generate(plain, prompt));
    }

    @Test
    void greedyForcesEosAtTheLastTokenAndOverridesMinNewTokens() {
        for (int maxNewTokens = 1; maxNewTokens <= 5; maxNewTokens++) {
            GenerationConfig config = GenerationConfig.greedy(maxNewTokens).withForcedEosTokenId(9);
            GeneratedSequence plain = generate(GenerationConfig.greedy(maxNewTokens), 5, 6);
            GeneratedSequence actual = generate(config, 5, 6);

            assertThat(actual.length()).isEqualTo(maxNewTokens);
            assertThat(actual.tokens()[maxNewTokens - 1]).isEqualTo(9);
            assertThat(Arrays.copyOf(actual.tokens(), maxNewTokens - 1)).containsExactly(Arrays.copyOf(plain.tokens(), maxNewTokens - 1));
        }
        GenerationConfig banned = GenerationConfig.greedy(4).withEosTokenIds(EOS).withMinNewTokens(4).withForcedEosTokenId(EOS);
        long[] tokens = generate(banned, 5).tokens();
        assertThat(tokens).hasSize(4).endsWith(EOS);
        assertThat(Arrays.copyOf(tokens, 3)).doesNotContain(EOS);
    }

    @Test
    void beamSearchWithForcedBosEqualsBeamSearchFromTheLongerPrompt() {
        // With length penalty 0 scores are plain sums, and the forced step adds 0 to beam 0 and leaves the other
        // beams at -1e9: exactly the start of a search from [start, bos] with one token less.
        GenerationConfig shorter = GenerationConfig.beamSearch(4, 6).withEosTokenIds(EOS).withLengthPenalty(0.0)
                .withNumReturnSequences(3).withNoRepeatNgramSize(2);
        List<GeneratedSequence> fromLonger = generateAll(shorter, DECODER_START, BOS);
        List<GeneratedSequence> forced = generateAll(shorter.withMaxNewTokens(7).withForcedBosTokenId(BOS), DECODER_START);

        assertThat(forced).hasSameSizeAs(fromLonger);
        for (int k = 0; k < forced.size(); k++) {
            long[] tokens = forced.get(k).tokens();
            assertThat(tokens[0]).isEqualTo(BOS);
            assertThat(Arrays.copyOfRange(tokens, 1, tokens.length)).as("hypothesis %d", k).containsExactly(fromLonger.get(k).tokens());
            assertThat(forced.get(k).score()).isCloseTo(fromLonger.get(k).score(), within(1e-5));
        }
    }

    @Test
    void beamSearchHypothesesThatRunToTheEndFinishWithTheForcedEos() {
        GenerationConfig config = GenerationConfig.beamSearch(4, 5).withEosTokenIds(EOS).withForcedBosTokenId(BOS)
                .withForcedEosTokenId(EOS).withNumReturnSequences(4);
        for (GeneratedSequence hypothesis : generateAll(config, DECODER_START)) {
            long[] tokens = hypothesis.tokens();
            assertThat(tokens[0]).isEqualTo(BOS);
            assertThat(tokens[tokens.length - 1]).as(Arrays.toString(tokens)).isEqualTo(EOS);
        }
    }

    @Test
    void forcedIdsAreValidated() {
        assertThatThrownBy(() -> GenerationConfig.DEFAULT.withForcedBosTokenId(-1))
                .isInstanceOf(PeftException.class).hasMessageContaining("forced_bos_token_id (of the model's generation_config.json");
        assertThatThrownBy(() -> GenerationConfig.DEFAULT.withForcedTokens(OptionalLong.empty(), null))
                .isInstanceOf(PeftException.class).hasMessageContaining("forced_eos_token_id");
        assertThatThrownBy(() -> generate(GenerationConfig.greedy(3).withForcedEosTokenId(VOCAB), 1))
                .isInstanceOfSatisfying(PeftException.class,
                        e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.INVALID_ARGUMENT.toErrorCode()))
                .hasMessageContaining("forced_eos_token_id (of the model's generation_config.json or config.json) is " + VOCAB);
    }

    private static GeneratedSequence generate(GenerationConfig config, long... prompt) {
        return generateAll(config, prompt).get(0);
    }

    private static List<GeneratedSequence> generateAll(GenerationConfig config, long... prompt) {
        try (ToyDecodingState state = new ToyDecodingState(ARRAYS.manager(), MODEL, prompt)) {
            return Generator.generate(state, List.of(prompt), config).get(0);
        }
    }
}
