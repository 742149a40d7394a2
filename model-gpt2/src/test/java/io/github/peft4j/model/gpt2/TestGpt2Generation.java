package io.github.peft4j.model.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.format.LayerPrefixes;
import io.github.peft4j.core.generation.GeneratedSequence;
import io.github.peft4j.core.generation.GenerationConfig;
import io.github.peft4j.core.generation.Generator;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.DecodingState;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.Stack;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Greedy and beam search through the KV cache give what full recomputation gives, with no adapter, a prefix or an infix. */
final class TestGpt2Generation {
    private static final long[][] PROMPTS = {{11, 12, 13, 14}, {50, 60}, {7}};

    @TempDir
    static Path directory;

    private static NDManager manager;
    private static Gpt2Backend model;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager("PyTorch");
        Gpt2Checkpoints.writeRandom(directory, new Gpt2Config(61, 64, 32, 2, 4, 128, "gelu_new", 1e-5, true, false, 60, 60), 11, manager);
        model = (Gpt2Backend) new Gpt2BackendProvider().load(directory, manager);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    @Test
    void greedyWithCacheEqualsRecomputation() {
        GenerationConfig greedy = GenerationConfig.greedy(12).withEosTokenIds(60).withPadTokenId(60);
        for (AdapterHooks hooks : hooksToTry()) {
            assertSameOutputs(cached(hooks, greedy), recomputed(hooks, greedy));
        }
    }

    @Test
    void beamSearchWithCacheEqualsRecomputation() {
        GenerationConfig beam = GenerationConfig.beamSearch(4, 10).withNumReturnSequences(3).withEosTokenIds(60).withPadTokenId(60)
                .withLengthPenalty(0.8).withNoRepeatNgramSize(3);
        for (AdapterHooks hooks : hooksToTry()) {
            assertSameOutputs(cached(hooks, beam), recomputed(hooks, beam));
        }
    }

    @Test
    void generationWithAPrefixIsDeterministic() {
        AdapterHooks prefix = hooksToTry().get(1);
        GenerationConfig beam = GenerationConfig.beamSearch(3, 8).withNumReturnSequences(2);
        List<List<GeneratedSequence>> first = cached(prefix, beam);
        List<List<GeneratedSequence>> second = cached(prefix, beam);
        assertThat(second).isEqualTo(first);
        assertThat(first.get(0).get(0).tokens()).isNotEqualTo(cached(AdapterHooks.NONE, beam).get(0).get(0).tokens());
    }

    private static List<List<GeneratedSequence>> cached(AdapterHooks hooks, GenerationConfig config) {
        List<List<GeneratedSequence>> all = new ArrayList<>();
        // One left-padded batch, whose rows must each agree with recomputing that row alone.
        try (NDManager pass = manager.newSubManager()) {
            long[][] padded = new long[PROMPTS.length][4];
            long[][] mask = new long[PROMPTS.length][4];
            for (int r = 0; r < PROMPTS.length; r++) {
                int pad = 4 - PROMPTS[r].length;
                for (int t = 0; t < PROMPTS[r].length; t++) {
                    padded[r][pad + t] = PROMPTS[r][t];
                    mask[r][pad + t] = 1;
                }
            }
            all.addAll(Generator.generate(model, ForwardInput.of(pass.create(padded)).withAttentionMask(pass.create(mask)), hooks, config));
        }
        return all;
    }

    private static List<List<GeneratedSequence>> recomputed(AdapterHooks hooks, GenerationConfig config) {
        try (DecodingState state = new RecomputingDecodingState(model, PROMPTS, hooks, manager)) {
            return Generator.generate(state, List.of(PROMPTS), config);
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

    private static List<AdapterHooks> hooksToTry() {
        List<KeyValuePrefix> layers = new ArrayList<>();
        NDManager prefixes = manager.newSubManager();
        prefixes.getEngine().setRandomSeed(5);
        for (int layer = 0; layer < 2; layer++) {
            layers.add(new KeyValuePrefix(prefixes.randomNormal(new Shape(1, 4, 3, 8)), prefixes.randomNormal(new Shape(1, 4, 3, 8))));
        }
        List<KeyValuePrefix> infixes = new ArrayList<>();
        for (int layer = 0; layer < 2; layer++) {
            infixes.add(new KeyValuePrefix(prefixes.randomNormal(new Shape(1, 4, 2, 8)), prefixes.randomNormal(new Shape(1, 4, 2, 8))));
        }
        AdapterHooks infix = new AdapterHooks() {
            @Override
            public Optional<KeyValuePrefix> attentionInfix(AttentionSite site, int layer) {
                return Optional.of(infixes.get(layer));
            }

            @Override
            public int infixSourceTail(Stack stack) {
                return 1;
            }
        };
        return List.of(AdapterHooks.NONE, new LayerPrefixes(AttentionSite.DECODER_SELF, layers, 3).hooks(), infix);
    }
}
