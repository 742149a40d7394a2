package io.github.peft4j.model.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.DecodingState;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.Stack;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cached decoding equals recomputation; padded batches equal rows run alone; nothing leaks into the model. */
final class TestGpt2Decoding {
    private static final float TOLERANCE = 2e-5f;

    @TempDir
    static Path directory;

    private static NDManager manager;
    private static Gpt2Backend model;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager("PyTorch");
        Gpt2Config config = new Gpt2Config(97, 64, 32, 3, 4, 80, "gelu_new", 1e-5, true, true, 96, 96);
        Gpt2Checkpoints.writeRandom(directory, config, 7, manager);
        model = (Gpt2Backend) new Gpt2BackendProvider().load(directory, manager);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    @Test
    void cachedDecodingEqualsFullRecomputationWithAndWithoutPrefix() {
        try (NDManager test = manager.newSubManager()) {
            for (AdapterHooks hooks : new AdapterHooks[] {AdapterHooks.NONE, randomPrefix(test, 1, 3, true), randomVirtualTokens(test, 2)}) {
                long[] prompt = {5, 17, 3, 88};
                long[] continuation = {42, 7, 7, 60, 1};
                try (DecodingState state = model.startDecoding(ForwardInput.of(test.create(new long[][] {prompt})), hooks)) {
                    long[] sequence = prompt;
                    for (int step = 0; step <= continuation.length; step++) {
                        float[] expected = lastLogits(test, sequence, hooks);
                        assertThat(state.nextTokenLogits().toFloatArray()).as("step %d", step).containsExactly(expected, offset(TOLERANCE));
                        if (step < continuation.length) {
                            state.append(test.create(new long[] {continuation[step]}));
                            sequence = append(sequence, continuation[step]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void leftPaddedBatchDecodesLikeRowsAlone() {
        try (NDManager test = manager.newSubManager()) {
            AdapterHooks hooks = randomPrefix(test, 1, 2, true);
            long[][] rows = {{9, 8, 7, 6, 5}, {4, 3}, {11, 12, 13}};
            long[][] padded = new long[3][5];
            long[][] mask = new long[3][5];
            for (int r = 0; r < rows.length; r++) {
                int pad = 5 - rows[r].length;
                for (int t = 0; t < rows[r].length; t++) {
                    padded[r][pad + t] = rows[r][t];
                    mask[r][pad + t] = 1;
                }
            }
            long[] next = {21, 22, 23};
            try (DecodingState state = model.startDecoding(ForwardInput.of(test.create(padded)).withAttentionMask(test.create(mask)), hooks)) {
                state.append(test.create(next));
                float[] batched = state.nextTokenLogits().toFloatArray();
                int vocab = model.geometry().vocabSize();
                for (int r = 0; r < rows.length; r++) {
                    float[] alone = lastLogits(test, append(rows[r], next[r]), hooks);
                    float[] row = Arrays.copyOfRange(batched, r * vocab, (r + 1) * vocab);
                    assertThat(row).as("row %d", r).containsExactly(alone, offset(TOLERANCE));
                }
            }
        }
    }

    @Test
    void rightPaddedForwardEqualsRowsAlone() {
        try (NDManager test = manager.newSubManager()) {
            AdapterHooks hooks = randomPrefix(test, 1, 4, false);
            long[][] batch = {{1, 2, 3, 4}, {5, 6, 0, 0}};
            long[][] mask = {{1, 1, 1, 1}, {1, 1, 0, 0}};
            NDArray logits = model.forward(ForwardInput.of(test.create(batch)).withAttentionMask(test.create(mask)), hooks);
            NDArray alone = model.forward(ForwardInput.of(test.create(new long[][] {{5, 6}})), hooks);
            assertThat(logits.get(new NDIndex("1, 0:2, :")).toFloatArray())
                    .containsExactly(alone.get(new NDIndex("0")).toFloatArray(), offset(TOLERANCE));
        }
    }

    @Test
    void selectRowsReordersAndSharesTheBroadcastPrefix() {
        try (NDManager test = manager.newSubManager()) {
            AdapterHooks hooks = randomPrefix(test, 1, 3, true);
            long[][] prompts = {{3, 4, 5}, {6, 7, 8}};
            try (DecodingState state = model.startDecoding(ForwardInput.of(test.create(prompts)), hooks)) {
                state.selectRows(test.create(new long[] {1, 1, 0}));
                assertThat(state.rows()).isEqualTo(3);
                state.append(test.create(new long[] {10, 11, 12}));
                float[] logits = state.nextTokenLogits().toFloatArray();
                int vocab = model.geometry().vocabSize();
                assertThat(Arrays.copyOfRange(logits, 0, vocab))
                        .containsExactly(lastLogits(test, new long[] {6, 7, 8, 10}, hooks), offset(TOLERANCE));
                assertThat(Arrays.copyOfRange(logits, 2 * vocab, 3 * vocab))
                        .containsExactly(lastLogits(test, new long[] {3, 4, 5, 12}, hooks), offset(TOLERANCE));
            }
        }
    }

    @Test
    void perRowPrefixesFollowTheirRows() {
        try (NDManager test = manager.newSubManager()) {
            AdapterHooks mixed = randomPrefix(test, 2, 3, true);
            long[][] prompts = {{3, 4, 5}, {3, 4, 5}};
            try (DecodingState state = model.startDecoding(ForwardInput.of(test.create(prompts)), mixed)) {
                state.selectRows(test.create(new long[] {1, 0}));
                state.append(test.create(new long[] {9, 9}));
                float[] logits = state.nextTokenLogits().toFloatArray();
                int vocab = model.geometry().vocabSize();
                AdapterHooks secondRowsPrefix = rowOf(mixed, 1);
                assertThat(Arrays.copyOfRange(logits, 0, vocab))
                        .containsExactly(lastLogits(test, new long[] {3, 4, 5, 9}, secondRowsPrefix), offset(TOLERANCE));
            }
        }
    }

    @Test
    void forwardAndDecodingLeaveNoArraysInTheModelManager() {
        int before = arrayCount();
        try (NDManager test = manager.newSubManager()) {
            AdapterHooks hooks = randomPrefix(test, 1, 2, true);
            model.forward(ForwardInput.of(test.create(new long[][] {{1, 2, 3}})), hooks);
            try (DecodingState state = model.startDecoding(ForwardInput.of(test.create(new long[][] {{1, 2, 3}})), hooks)) {
                for (int i = 0; i < 5; i++) {
                    state.append(test.create(new long[] {4}));
                    state.selectRows(test.create(new long[] {0}));
                }
            }
        }
        assertThat(arrayCount()).isEqualTo(before);
    }

    @Test
    void logitsAtChosenPositionsAreThoseRowsOfTheFullLogits() {
        try (NDManager test = manager.newSubManager()) {
            for (AdapterHooks hooks : new AdapterHooks[] {randomPrefix(test, 1, 3, false), randomVirtualTokens(test, 2)}) {
                long[][] batch = {{1, 2, 3, 4}, {5, 6, 0, 0}};
                ForwardInput input = ForwardInput.of(test.create(batch)).withAttentionMask(test.create(new long[][] {{1, 1, 1, 1}, {1, 1, 0, 0}}));
                long[] positions = {5, 0, 3};
                NDArray chosen = model.forward(input.withLogitPositions(test.create(positions)), hooks);
                NDArray all = model.forward(input, hooks).reshape(8, model.geometry().vocabSize());
                assertThat(chosen.getShape()).isEqualTo(new Shape(3, model.geometry().vocabSize()));
                for (int i = 0; i < positions.length; i++) {
                    assertThat(chosen.get(i).toFloatArray()).as("position %d", positions[i])
                            .containsExactly(all.get(positions[i]).toFloatArray(), offset(TOLERANCE));
                }
            }
            ForwardInput one = ForwardInput.of(test.create(new long[][] {{1, 2}}));
            assertThatThrownBy(() -> model.forward(one.withLogitPositions(test.create(new long[] {2})), AdapterHooks.NONE))
                    .isInstanceOf(PeftException.class).hasMessageContaining("outside the 1 x 2 input");
            assertThatThrownBy(() -> model.forward(one.withLogitPositions(test.create(new long[][] {{0}})), AdapterHooks.NONE))
                    .isInstanceOf(PeftException.class).hasMessageContaining("[n] integers");
        }
    }

    @Test
    void badInputsAreClearErrorsNotCrashes() {
        try (NDManager test = manager.newSubManager()) {
            assertThatThrownBy(() -> model.forward(ForwardInput.of(test.create(new long[][] {{1, 500}})), AdapterHooks.NONE))
                    .isInstanceOf(PeftException.class).hasMessageContaining("500");
            assertThatThrownBy(() -> model.forward(ForwardInput.of(test.create(new long[] {1, 2})), AdapterHooks.NONE))
                    .isInstanceOf(PeftException.class).hasMessageContaining("[batch, length]");
            assertThatThrownBy(() -> model.forward(ForwardInput.of(test.zeros(new Shape(1, 65), DataType.INT64)), AdapterHooks.NONE))
                    .isInstanceOf(PeftException.class).hasMessageContaining("too long");
            assertThatThrownBy(() -> model.startDecoding(
                    ForwardInput.of(test.create(new long[][] {{1, 2}})).withAttentionMask(test.create(new long[][] {{1, 0}})), AdapterHooks.NONE))
                    .isInstanceOf(PeftException.class).hasMessageContaining("left");
            KeyValuePrefix wrongHeads = new KeyValuePrefix(test.zeros(new Shape(1, 3, 2, 8)), test.zeros(new Shape(1, 3, 2, 8)));
            AdapterHooks badPrefix = new AdapterHooks() {
                @Override
                public Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
                    return Optional.of(wrongHeads);
                }
            };
            assertThatThrownBy(() -> model.forward(ForwardInput.of(test.create(new long[][] {{1}})), badPrefix))
                    .isInstanceOf(PeftException.class).hasMessageContaining("prefix of layer 0");
        }
    }

    /** Arrays held by the manager of the model's weights: a pass that leaks into it grows this. */
    private static int arrayCount() {
        NDManager weights = model.baseParameters().values().iterator().next().getManager();
        return ((BaseNDManager) weights).getManagedArrays().size();
    }

    private static float[] lastLogits(NDManager test, long[] sequence, AdapterHooks hooks) {
        try (NDManager pass = test.newSubManager()) {
            NDArray logits = model.forward(ForwardInput.of(pass.create(new long[][] {sequence})), hooks);
            return logits.get(new NDIndex("0, {}, :", sequence.length - 1)).toFloatArray();
        }
    }

    private static long[] append(long[] sequence, long token) {
        long[] longer = Arrays.copyOf(sequence, sequence.length + 1);
        longer[sequence.length] = token;
        return longer;
    }

    /** Random per-layer keys/values; {@code peft} numbers real tokens from P. */
    private static AdapterHooks randomPrefix(NDManager test, int batch, int length, boolean peft) {
        int layers = model.geometry().decoderLayers();
        Shape shape = new Shape(batch, model.geometry().heads(), length, model.geometry().headDim());
        KeyValuePrefix[] prefixes = new KeyValuePrefix[layers];
        for (int layer = 0; layer < layers; layer++) {
            prefixes[layer] = new KeyValuePrefix(test.randomNormal(shape), test.randomNormal(shape));
        }
        return new AdapterHooks() {
            @Override
            public Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
                return Optional.of(prefixes[layer]);
            }

            @Override
            public int positionOffset(Stack stack) {
                return peft ? length : 0;
            }
        };
    }

    private static AdapterHooks rowOf(AdapterHooks hooks, int row) {
        return new AdapterHooks() {
            @Override
            public Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
                KeyValuePrefix all = hooks.attentionPrefix(site, layer).orElseThrow();
                return Optional.of(new KeyValuePrefix(all.keys().get(new NDIndex("{}:{}", row, row + 1)), all.values().get(new NDIndex("{}:{}", row, row + 1))));
            }

            @Override
            public int positionOffset(Stack stack) {
                return hooks.positionOffset(stack);
            }
        };
    }

    private static AdapterHooks randomVirtualTokens(NDManager test, int length) {
        NDArray embeddings = test.randomNormal(new Shape(1, length, model.geometry().hiddenSize()));
        return new AdapterHooks() {
            @Override
            public Optional<NDArray> inputEmbeddings(Stack stack) {
                return Optional.of(embeddings);
            }

            @Override
            public int positionOffset(Stack stack) {
                return length;
            }
        };
    }
}
