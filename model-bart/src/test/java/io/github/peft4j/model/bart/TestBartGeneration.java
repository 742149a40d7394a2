package io.github.peft4j.model.bart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.generation.GeneratedSequence;
import io.github.peft4j.core.generation.GenerationConfig;
import io.github.peft4j.core.generation.Generator;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.DecodingState;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Greedy and beam search through the encoder-decoder KV cache give what full recomputation gives, prefix or not;
 * the sources are one right-padded encoder batch, whose rows must each agree with recomputing that row alone.
 */
final class TestBartGeneration {
    private static final long PAD = 1;
    private static final long EOS = 2;
    private static final long[][] SOURCES = {{0, 11, 12, 13, 14, 15, 2}, {0, 50, 60, 2}, {0, 7, 2}};
    private static final long[][] DECODER_PROMPTS = {{2}, {2}, {2}};

    @TempDir
    static Path directory;

    private static NDManager manager;
    private static BartBackend model;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager("PyTorch");
        BartCheckpoints.writeRandom(directory, new BartConfig(61, 64, 32, 2, 2, 4, 128, 128, "gelu", false, true, PAD, 0, EOS, 2), 11, manager);
        model = (BartBackend) new BartBackendProvider().load(directory, manager);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    @Test
    void greedyWithCacheEqualsRecomputation() {
        GenerationConfig greedy = GenerationConfig.greedy(12).withEosTokenIds(EOS).withPadTokenId(PAD);
        for (AdapterHooks hooks : hooksToTry()) {
            assertSameOutputs(cached(hooks, greedy), recomputed(hooks, greedy));
        }
    }

    @Test
    void beamSearchWithCacheEqualsRecomputation() {
        GenerationConfig beam = GenerationConfig.beamSearch(4, 10).withNumReturnSequences(3).withEosTokenIds(EOS).withPadTokenId(PAD)
                .withLengthPenalty(0.8).withNoRepeatNgramSize(3);
        for (AdapterHooks hooks : hooksToTry()) {
            assertSameOutputs(cached(hooks, beam), recomputed(hooks, beam));
        }
    }

    @Test
    void bartsGenerationDefaultsForceBosFirstAndEosLast() {
        // The golden model directory's generation_config.json: forced <s> after </s>, forced </s> at the end.
        GenerationConfig defaults = BartGenerationDefaults.read(BartGoldenCase.model()).toGenerationConfig();
        GenerationConfig config = defaults.withNumBeams(3).withMaxNewTokens(6).withNumReturnSequences(3).withMinNewTokens(6);
        for (AdapterHooks hooks : hooksToTry()) {
            List<List<GeneratedSequence>> cached = cached(hooks, config);
            assertSameOutputs(cached, recomputed(hooks, config));
            for (List<GeneratedSequence> row : cached) {
                for (GeneratedSequence hypothesis : row) {
                    long[] tokens = hypothesis.tokens();
                    assertThat(tokens).hasSize(6);
                    assertThat(tokens[0]).isEqualTo(0L);
                    assertThat(tokens[5]).isEqualTo(EOS);
                }
            }
        }
    }

    @Test
    void generationWithAPrefixIsDeterministicAndDiffers() {
        AdapterHooks prefix = hooksToTry().get(1);
        GenerationConfig beam = GenerationConfig.beamSearch(3, 8).withNumReturnSequences(2);
        List<List<GeneratedSequence>> first = cached(prefix, beam);
        assertThat(cached(prefix, beam)).isEqualTo(first);
        assertThat(first).isNotEqualTo(cached(AdapterHooks.NONE, beam));
    }

    @Test
    void generatorAsksForTheDecoderPromptOfAnEncoderDecoder() {
        try (NDManager pass = manager.newSubManager()) {
            ForwardInput encoderOnly = ForwardInput.of(pass.create(new long[][] {SOURCES[2]}));
            assertThatThrownBy(() -> Generator.generate(model, encoderOnly, AdapterHooks.NONE, GenerationConfig.greedy(3)))
                    .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.INVALID_ARGUMENT.toErrorCode()))
                    .hasMessageContaining("decoder input ids");
        }
    }

    private static List<List<GeneratedSequence>> cached(AdapterHooks hooks, GenerationConfig config) {
        try (NDManager pass = manager.newSubManager()) {
            int width = SOURCES[0].length;
            long[][] padded = new long[SOURCES.length][width];
            long[][] mask = new long[SOURCES.length][width];
            for (int r = 0; r < SOURCES.length; r++) {
                Arrays.fill(padded[r], PAD);
                System.arraycopy(SOURCES[r], 0, padded[r], 0, SOURCES[r].length);
                Arrays.fill(mask[r], 0, SOURCES[r].length, 1);
            }
            ForwardInput prompt = ForwardInput.of(pass.create(padded)).withAttentionMask(pass.create(mask))
                    .withDecoderInput(pass.create(DECODER_PROMPTS), Optional.empty());
            return Generator.generate(model, prompt, hooks, config);
        }
    }

    private static List<List<GeneratedSequence>> recomputed(AdapterHooks hooks, GenerationConfig config) {
        try (DecodingState state = new RecomputingDecodingState(model, SOURCES, DECODER_PROMPTS, hooks, manager)) {
            return Generator.generate(state, List.of(DECODER_PROMPTS), config);
        }
    }

    private static void assertSameOutputs(List<List<GeneratedSequence>> cached, List<List<GeneratedSequence>> recomputed) {
        assertThat(cached).hasSameSizeAs(recomputed);
        for (int row = 0; row < cached.size(); row++) {
            assertThat(cached.get(row)).hasSameSizeAs(recomputed.get(row));
            for (int k = 0; k < cached.get(row).size(); k++) {
                assertThat(cached.get(row).get(k).tokens()).as("row %d, output %d", row, k).containsExactly(recomputed.get(row).get(k).tokens());
                assertThat(cached.get(row).get(k).score()).isCloseTo(recomputed.get(row).get(k).score(), within(1e-4));
            }
        }
    }

    /** No prefix; Li &amp; Liang's three parts with positions from 0; PEFT's decoder-only prefix with positions from P. */
    private static List<AdapterHooks> hooksToTry() {
        NDManager prefixes = manager.newSubManager();
        prefixes.getEngine().setRandomSeed(5);
        ModelGeometry geometry = model.geometry();
        Map<AttentionSite, KeyValuePrefix[]> three = new EnumMap<>(AttentionSite.class);
        Map<AttentionSite, Integer> lengths = Map.of(AttentionSite.ENCODER_SELF, 2, AttentionSite.DECODER_SELF, 3, AttentionSite.DECODER_CROSS, 4);
        lengths.forEach((site, length) -> {
            KeyValuePrefix[] layers = new KeyValuePrefix[geometry.layers(site.stack())];
            for (int layer = 0; layer < layers.length; layer++) {
                Shape shape = new Shape(1, geometry.heads(), length, geometry.headDim());
                // Values well above the random model's activations, so that the prefix changes what is generated.
                layers[layer] = new KeyValuePrefix(prefixes.randomNormal(shape), prefixes.randomNormal(0, 20, shape, ai.djl.ndarray.types.DataType.FLOAT32));
            }
            three.put(site, layers);
        });
        AdapterHooks liLiang = new AdapterHooks() {
            @Override
            public Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
                return Optional.of(three.get(site)[layer]);
            }
        };
        AdapterHooks peft = new AdapterHooks() {
            @Override
            public Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
                return site == AttentionSite.DECODER_SELF ? Optional.of(three.get(site)[layer]) : Optional.empty();
            }

            @Override
            public int positionOffset(Stack stack) {
                return stack == Stack.DECODER ? 3 : 0;
            }
        };
        return List.of(AdapterHooks.NONE, liLiang, peft);
    }
}
