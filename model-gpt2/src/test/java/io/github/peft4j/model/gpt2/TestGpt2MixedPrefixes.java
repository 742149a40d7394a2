package io.github.peft4j.model.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.format.LayerPrefixes;
import io.github.peft4j.core.generation.GeneratedSequence;
import io.github.peft4j.core.generation.GenerationConfig;
import io.github.peft4j.core.generation.Generator;
import io.github.peft4j.core.generation.MixedAdapters;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.KeyValuePrefix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch whose rows use different prefixes decodes, greedy and with beams, what each row decodes in a batch where
 * every row uses its prefix, and alone.
 */
final class TestGpt2MixedPrefixes {
    private static final long[][] PROMPTS = {{11, 12, 13, 14}, {50, 59}, {7}};
    private static final int[] PROMPT_OF_ROW = {0, 0, 0, 1, 2, 1, 2};
    private static final int[] CHOICE_OF_ROW = {0, 1, 2, 2, 1, 0, 0};
    private static final GenerationConfig GREEDY = GenerationConfig.greedy(10).withEosTokenIds(60).withPadTokenId(60);
    private static final GenerationConfig BEAMS = GenerationConfig.beamSearch(3, 10).withNumReturnSequences(2).withEosTokenIds(60)
            .withPadTokenId(60).withLengthPenalty(0.8);

    @TempDir
    static Path directory;

    private static NDManager manager;
    private static Gpt2Backend model;
    private static List<AdapterHooks> prefixes;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager("PyTorch");
        Gpt2Checkpoints.writeRandom(directory, new Gpt2Config(61, 64, 32, 2, 4, 128, "gelu_new", 1e-5, true, false, 60, 60), 11, manager);
        model = (Gpt2Backend) new Gpt2BackendProvider().load(directory, manager);
        prefixes = List.of(prefix(3, 5), prefix(3, 6), prefix(3, 7), prefix(5, 8));
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    @Test
    void greedyMixedBatchDecodesWhatEachRowDecodesWithItsPrefixAlone() {
        assertMixedBatchMatchesSinglePrefixBatchesAndRowsAlone(GREEDY);
    }

    @Test
    void beamSearchMixedBatchDecodesWhatEachRowDecodesWithItsPrefixAlone() {
        assertMixedBatchMatchesSinglePrefixBatchesAndRowsAlone(BEAMS);
    }

    @Test
    void rowsOfOtherPrefixLengthsOrNoPrefixAreDecodedInBatchesOfTheirOwn() {
        // Choices: two prefixes of length 3, one of length 5, and the base model.
        MixedAdapters mix = MixedAdapters.of(model.geometry(), List.of(prefixes.get(0), prefixes.get(3), AdapterHooks.NONE, prefixes.get(1)));
        int[] choiceOfRow = {0, 1, 2, 3, 1, 0, 2};
        List<Integer> done = new ArrayList<>();

        List<List<GeneratedSequence>> outputs = mix.generate(model, choiceOfRow, 4, (rows, pass) -> leftPadded(IntStream.of(rows).map(row -> PROMPT_OF_ROW[row]).toArray(), pass),
                BEAMS, manager, done::add);

        assertThat(done).containsExactly(3, 5, 7);
        List<AdapterHooks> hooksOfChoice = List.of(prefixes.get(0), prefixes.get(3), AdapterHooks.NONE, prefixes.get(1));
        for (int row = 0; row < choiceOfRow.length; row++) {
            assertSame(outputs.get(row), alone(PROMPT_OF_ROW[row], hooksOfChoice.get(choiceOfRow[row]), BEAMS), "row " + row);
        }
    }

    private static void assertMixedBatchMatchesSinglePrefixBatchesAndRowsAlone(GenerationConfig config) {
        MixedAdapters mix = MixedAdapters.of(model.geometry(), prefixes.subList(0, 3));
        List<List<GeneratedSequence>> mixed;
        try (NDManager pass = manager.newSubManager()) {
            mixed = Generator.generate(model, leftPadded(PROMPT_OF_ROW, pass), mix.hooks(CHOICE_OF_ROW, pass), config);
        }
        for (int choice = 0; choice < 3; choice++) {
            List<List<GeneratedSequence>> single;
            try (NDManager pass = manager.newSubManager()) {
                single = Generator.generate(model, leftPadded(PROMPT_OF_ROW, pass), prefixes.get(choice), config);
            }
            for (int row = 0; row < CHOICE_OF_ROW.length; row++) {
                if (CHOICE_OF_ROW[row] == choice) {
                    assertSame(mixed.get(row), single.get(row), "row " + row + " against a batch of prefix " + choice);
                    assertSame(mixed.get(row), alone(PROMPT_OF_ROW[row], prefixes.get(choice), config), "row " + row + " alone");
                }
            }
        }
        assertThat(List.of(mixed.get(0).get(0).tokens(), mixed.get(1).get(0).tokens(), mixed.get(2).get(0).tokens()))
                .as("one prompt under three prefixes: the prefixes matter").doesNotHaveDuplicates();
    }

    private static List<GeneratedSequence> alone(int prompt, AdapterHooks hooks, GenerationConfig config) {
        try (NDManager pass = manager.newSubManager()) {
            return Generator.generate(model, ForwardInput.of(pass.create(new long[][] {PROMPTS[prompt]})), hooks, config).get(0);
        }
    }

    private static void assertSame(List<GeneratedSequence> actual, List<GeneratedSequence> expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int k = 0; k < actual.size(); k++) {
            assertThat(actual.get(k).tokens()).as("%s, output %d", what, k).containsExactly(expected.get(k).tokens());
            assertThat(actual.get(k).score()).as("%s, output %d", what, k).isCloseTo(expected.get(k).score(), within(1e-4));
        }
    }

    /** The prompts, left-padded under mask 0. */
    private static ForwardInput leftPadded(int[] promptOfRow, NDManager pass) {
        long[][] ids = new long[promptOfRow.length][4];
        long[][] mask = new long[promptOfRow.length][4];
        for (int row = 0; row < promptOfRow.length; row++) {
            long[] prompt = PROMPTS[promptOfRow[row]];
            for (int t = 0; t < prompt.length; t++) {
                ids[row][4 - prompt.length + t] = prompt[t];
                mask[row][4 - prompt.length + t] = 1;
            }
        }
        return ForwardInput.of(pass.create(ids)).withAttentionMask(pass.create(mask));
    }

    private static AdapterHooks prefix(int length, int seed) {
        manager.getEngine().setRandomSeed(seed);
        List<KeyValuePrefix> layers = new ArrayList<>();
        for (int layer = 0; layer < 2; layer++) {
            // Large values outweigh the random model's tiny activations, so that each prefix steers it its own way.
            layers.add(new KeyValuePrefix(manager.randomNormal(0, 1, new Shape(1, 4, length, 8), DataType.FLOAT32),
                    manager.randomNormal(0, 10, new Shape(1, 4, length, 8), DataType.FLOAT32)));
        }
        return new LayerPrefixes(AttentionSite.DECODER_SELF, layers, length).hooks();
    }
}
