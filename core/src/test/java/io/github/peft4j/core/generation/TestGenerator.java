package io.github.peft4j.core.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.DecodingState;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.InjectionPoint;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.spi.TextTokenizer;
import io.github.peft4j.testing.EngineManager;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class TestGenerator {
    private static final int VOCAB = 10;
    private static final ToyLanguageModel MODEL = ToyLanguageModel.trigram(VOCAB, 17, 2.0);

    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    /** A left-padded decoder-only batch: n-grams are checked over each row's real prompt tokens and output. */
    @Test
    void backendOverloadClosesTheStateAndChecksNgramsOverTheUnpaddedPrompt() {
        long[][] prompts = {{3, 4, 3}, {7, 1}, {5}};
        ForwardInput input = ForwardInput.of(ARRAYS.manager().create(new int[] {3, 4, 3, 0, 7, 1, 0, 0, 5}, new Shape(3, 3)))
                .withAttentionMask(ARRAYS.manager().create(new int[] {1, 1, 1, 0, 1, 1, 0, 0, 1}, new Shape(3, 3)));
        ToyBackend backend = new ToyBackend(prompts);
        GenerationConfig config = GenerationConfig.beamSearch(3, 6).withEosTokenIds(9).withNoRepeatNgramSize(1);

        List<List<GeneratedSequence>> results = Generator.generate(backend, input, AdapterHooks.NONE, config);

        assertThat(backend.started.isClosed()).isTrue();
        try (ToyDecodingState state = new ToyDecodingState(ARRAYS.manager(), MODEL, prompts)) {
            assertThat(Generator.generate(state, Arrays.asList(prompts), config)).isEqualTo(results);
        }
        assertThat(results).as("token 0, the padding, is free to appear in outputs")
                .anySatisfy(best -> assertThat(best).anySatisfy(s -> assertThat(s.tokens()).contains(0)));
        for (int row = 0; row < prompts.length; row++) {
            long[] prompt = prompts[row];
            for (GeneratedSequence sequence : results.get(row)) {
                assertThat(ReferenceDecoding.violations(config, prompt, sequence.tokens())).isEmpty();
                assertThat(sequence.tokens()).doesNotContain(prompt);
            }
        }
    }

    @Test
    void encoderDecoderPromptsAreTheDecoderInputs() {
        long[][] decoderPrompts = {{2}, {2}};
        ForwardInput input = ForwardInput.of(ARRAYS.manager().create(new long[] {4, 5, 6, 7, 8, 1}, new Shape(2, 3)))
                .withDecoderInput(ARRAYS.manager().create(new long[] {2, 2}, new Shape(2, 1)), Optional.empty());
        GenerationConfig config = GenerationConfig.greedy(5).withNoRepeatNgramSize(1);

        List<List<GeneratedSequence>> results =
                Generator.generate(new ToyBackend(decoderPrompts), input, AdapterHooks.NONE, config);

        for (List<GeneratedSequence> result : results) {
            GeneratedSequence expected = ReferenceDecoding.greedy(MODEL, decoderPrompts[0], config);
            assertThat(result.get(0).tokens()).containsExactly(expected.tokens()).doesNotContain(2);
            assertThat(result.get(0).score()).isCloseTo(expected.score(), within(1e-4));
        }
    }

    @Test
    void idsOutsideTheVocabularyAreUserErrors() {
        GenerationConfig greedy = GenerationConfig.greedy(3);
        assertInvalid(() -> generate(greedy.withEosTokenIds(VOCAB)), "eosTokenIds");
        assertInvalid(() -> generate(greedy.withBannedTokenIds(2, VOCAB + 5)), "bannedTokenIds");
        assertInvalid(() -> generate(greedy.withPadTokenId(VOCAB)), "padTokenId");
    }

    @Test
    void banningTheWholeVocabularyIsAUserError() {
        GenerationConfig config = GenerationConfig.greedy(3).withBannedTokenIds(0, 1, 2, 3, 4, 5, 6, 7, 8)
                .withEosTokenIds(9).withMinNewTokens(1);

        assertInvalid(() -> generate(config), "cover the whole vocabulary");
        assertThat(generate(config.withMinNewTokens(0)).get(0).get(0).tokens()).containsExactly(9);
    }

    @Test
    void promptsMustMatchTheRows() {
        try (ToyDecodingState state = new ToyDecodingState(ARRAYS.manager(), MODEL, new long[] {1}, new long[] {2})) {
            assertInvalid(() -> Generator.generate(state, List.of(new long[] {1}), GenerationConfig.greedy(3)),
                    "one prompt per row");
        }
    }

    private static List<List<GeneratedSequence>> generate(GenerationConfig config) {
        try (ToyDecodingState state = new ToyDecodingState(ARRAYS.manager(), MODEL, new long[] {1, 2})) {
            return Generator.generate(state, config);
        }
    }

    private static void assertInvalid(ThrowingCallable call, String message) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode())
                        .isEqualTo(StandardErrorCode.INVALID_ARGUMENT.toErrorCode()))
                .hasMessageContaining(message);
    }

    /** Starts a {@link ToyDecodingState} on the given decoder prompts; nothing else is needed here. */
    private static final class ToyBackend implements ModelBackend {
        private final long[][] decoderPrompts;
        private ToyDecodingState started;

        ToyBackend(long[][] decoderPrompts) {
            this.decoderPrompts = decoderPrompts;
        }

        @Override
        public DecodingState startDecoding(ForwardInput prompt, AdapterHooks hooks) {
            assertThat(prompt.batchSize()).isEqualTo(decoderPrompts.length);
            started = new ToyDecodingState(ARRAYS.manager(), MODEL, Arrays.copyOf(decoderPrompts, decoderPrompts.length));
            return started;
        }

        @Override
        public String family() {
            return "toy";
        }

        @Override
        public ModelGeometry geometry() {
            return new ModelGeometry("toy", 0, 1, 1, 4, 4, VOCAB, 64);
        }

        @Override
        public Optional<TextTokenizer> tokenizer() {
            return Optional.empty();
        }

        @Override
        public List<KeyValuePrefix> keyValues(NDArray tokenIds, AttentionSite site) {
            throw new UnsupportedOperationException("the toy backend only decodes");
        }

        @Override
        public Set<Long> eosTokenIds() {
            return Set.of();
        }

        @Override
        public Set<InjectionPoint> injectionPoints() {
            return Set.of();
        }

        @Override
        public Map<String, NDArray> baseParameters() {
            return Map.of();
        }

        @Override
        public NDArray forward(ForwardInput input, AdapterHooks hooks) {
            throw new UnsupportedOperationException("the toy backend only decodes");
        }

        @Override
        public void close() {
        }
    }
}
