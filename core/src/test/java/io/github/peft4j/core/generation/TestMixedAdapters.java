package io.github.peft4j.core.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.format.LayerPrefixes;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Per-row prefixes stacked from several adapters' hooks, and the batches that may share them. */
final class TestMixedAdapters {
    private static final ModelGeometry GEOMETRY = new ModelGeometry("gpt2", 0, 2, 2, 4, 8, 50, 32);

    private final NDManager manager = NDManager.newBaseManager("PyTorch");

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void stacksEachRowsChosenPrefixInRowOrder() {
        List<AdapterHooks> choices = List.of(prefix(2, 1), prefix(2, 2), prefix(2, 3));
        MixedAdapters mix = MixedAdapters.of(GEOMETRY, choices);
        int[] choiceOfRow = {2, 0, 1, 0};

        try (NDManager pass = manager.newSubManager()) {
            AdapterHooks hooks = mix.hooks(choiceOfRow, pass);

            for (int layer = 0; layer < 2; layer++) {
                KeyValuePrefix stacked = hooks.attentionPrefix(AttentionSite.DECODER_SELF, layer).orElseThrow();
                assertThat(stacked.keys().getShape()).isEqualTo(new Shape(4, 2, 2, 4));
                assertThat(stacked.keys().getManager()).as("the stacked arrays are the pass's").isSameAs(pass);
                for (int row = 0; row < choiceOfRow.length; row++) {
                    KeyValuePrefix chosen = choices.get(choiceOfRow[row]).attentionPrefix(AttentionSite.DECODER_SELF, layer).orElseThrow();
                    assertThat(rowOf(stacked.keys(), row)).containsExactly(chosen.keys().toFloatArray());
                    assertThat(rowOf(stacked.values(), row)).containsExactly(chosen.values().toFloatArray());
                }
            }
            assertThat(hooks.attentionPrefix(AttentionSite.DECODER_CROSS, 0)).isEmpty();
            assertThat(hooks.positionOffset(Stack.DECODER)).isEqualTo(2);
        }
        assertThat(choices.get(0).attentionPrefix(AttentionSite.DECODER_SELF, 0).orElseThrow().keys().isReleased())
                .as("closing the pass leaves the choices' arrays alone").isFalse();
    }

    @Test
    void aBatchOfOneChoiceGetsThatChoicesHooksUncopied() {
        List<AdapterHooks> choices = List.of(prefix(2, 1), prefix(2, 2));

        assertThat(MixedAdapters.of(GEOMETRY, choices).hooks(new int[] {1, 1, 1}, manager)).isSameAs(choices.get(1));
    }

    @Test
    void batchesGroupRowsThatCanShareOneInOrderOfFirstAppearance() {
        AdapterHooks embeddings = new AdapterHooks() {
            @Override
            public Optional<NDArray> inputEmbeddings(Stack stack) {
                return Optional.of(manager.zeros(new Shape(1, 2, 8)));
            }
        };
        // 0 and 1 stack (P = 2); 2 is longer; 3 is the base model; 4 adds embeddings, so it never shares a batch.
        MixedAdapters mix = MixedAdapters.of(GEOMETRY, List.of(prefix(2, 1), prefix(2, 2), prefix(3, 3), AdapterHooks.NONE, embeddings));

        List<int[]> batches = mix.batches(new int[] {2, 0, 3, 1, 0, 2, 1, 4, 4}, 2);

        assertThat(batches).containsExactly(new int[] {0, 5}, new int[] {1, 3}, new int[] {4, 6}, new int[] {2}, new int[] {7, 8});
        assertThat(mix.batches(new int[] {0, 0, 0}, 2)).containsExactly(new int[] {0, 1}, new int[] {2});
    }

    @Test
    void refusesABatchThatMixesWhatCannotBeMixed() {
        AdapterHooks embeddings = new AdapterHooks() {
            @Override
            public Optional<NDArray> inputEmbeddings(Stack stack) {
                return Optional.of(manager.zeros(new Shape(1, 2, 8)));
            }
        };
        MixedAdapters mix = MixedAdapters.of(GEOMETRY, List.of(prefix(2, 1), prefix(3, 2), AdapterHooks.NONE, embeddings, prefix(2, 3)));

        assertThatThrownBy(() -> mix.hooks(new int[] {0, 1}, manager)).isInstanceOf(PeftException.class).hasMessageContaining("separate batches");
        assertThatThrownBy(() -> mix.hooks(new int[] {0, 2}, manager)).isInstanceOf(PeftException.class).hasMessageContaining("separate batches");
        assertThatThrownBy(() -> mix.hooks(new int[] {4, 3}, manager)).isInstanceOf(PeftException.class).hasMessageContaining("input embeddings");
        assertThatThrownBy(() -> mix.hooks(new int[] {0, 5}, manager)).isInstanceOf(PeftException.class).hasMessageContaining("chooses adapter 5");
    }

    @Test
    void refusesAChoiceWhosePrefixIsAlreadyPerRow() {
        List<KeyValuePrefix> layers = new ArrayList<>();
        for (int layer = 0; layer < 2; layer++) {
            layers.add(new KeyValuePrefix(manager.zeros(new Shape(3, 2, 2, 4)), manager.zeros(new Shape(3, 2, 2, 4))));
        }
        AdapterHooks perRow = new LayerPrefixes(AttentionSite.DECODER_SELF, layers, 0).hooks();

        assertThatThrownBy(() -> MixedAdapters.of(GEOMETRY, List.of(perRow)))
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.SHAPE_MISMATCH.toErrorCode()))
                .hasMessageContaining("[1, 2, P, 4]");
    }

    /** A random decoder self-attention prefix of length {@code length}, real tokens numbered from P. */
    private AdapterHooks prefix(int length, int seed) {
        manager.getEngine().setRandomSeed(seed);
        List<KeyValuePrefix> layers = new ArrayList<>();
        for (int layer = 0; layer < 2; layer++) {
            layers.add(new KeyValuePrefix(manager.randomNormal(new Shape(1, 2, length, 4)), manager.randomNormal(new Shape(1, 2, length, 4))));
        }
        return new LayerPrefixes(AttentionSite.DECODER_SELF, layers, length).hooks();
    }

    private static float[] rowOf(NDArray stacked, int row) {
        return stacked.get(new NDIndex("{}", row)).toFloatArray();
    }
}
