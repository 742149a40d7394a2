package io.github.peft4j.model.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.DecodingState;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.InjectionPoint;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.Stack;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The infix injection point: keys/values between source and target, seen only from the boundary on, with the
 * positions after it shifted; the same in cached decoding; and token embeddings.
 */
final class TestGpt2Infix {
    private static final float TOLERANCE = 2e-5f;

    @TempDir
    static Path directory;

    private static NDManager manager;
    private static Gpt2Backend model;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager("PyTorch");
        Gpt2Config config = new Gpt2Config(97, 64, 32, 3, 4, 80, "gelu_new", 1e-5, true, true, 96, 96);
        Gpt2Checkpoints.writeRandom(directory, config, 13, manager);
        model = (Gpt2Backend) new Gpt2BackendProvider().load(directory, manager);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    @Test
    void offersTheInfixPoint() {
        assertThat(model.injectionPoints()).contains(InjectionPoint.ATTENTION_INFIX, InjectionPoint.INPUT_EMBEDDINGS, InjectionPoint.ATTENTION_PREFIX);
    }

    @Test
    void anInfixOfRealTokensActivationsEqualsInsertingThoseTokensBetweenSourceAndTarget() {
        long[][] sources = {{5, 17, 3, 88}, {40, 2}};
        long[] words = {61, 62, 9};
        long[][] targets = {{42, 7, 60}, {11, 12, 13, 14}};
        try (NDManager test = manager.newSubManager()) {
            // A right-padded batch whose rows have sources of different lengths, as the trainer builds it.
            int width = 7;
            long[][] ids = new long[2][width];
            long[][] mask = new long[2][width];
            for (int row = 0; row < 2; row++) {
                long[] sequence = concat(sources[row], targets[row]);
                System.arraycopy(sequence, 0, ids[row], 0, sequence.length);
                Arrays.fill(mask[row], 0, sequence.length, 1);
            }
            for (int row = 0; row < 2; row++) {
                AdapterHooks infix = infixOf(test, realActivations(test, sources[row], words), 0);
                ForwardInput input = ForwardInput.of(test.create(ids)).withAttentionMask(test.create(mask))
                        .withTargetStart(test.create(new long[] {sources[0].length, sources[1].length}));
                NDArray logits = model.forward(input, infix);
                NDArray inserted = model.forward(ForwardInput.of(test.create(new long[][] {concat(concat(sources[row], words), targets[row])})),
                        AdapterHooks.NONE);
                NDArray plainSource = model.forward(ForwardInput.of(test.create(new long[][] {sources[row]})), AdapterHooks.NONE);
                int source = sources[row].length;
                int target = targets[row].length;
                assertThat(rows(logits, row, source, source + target)).as("row %d at the target's positions", row)
                        .containsExactly(rows(inserted, 0, source + words.length, source + words.length + target), offset(TOLERANCE));
                assertThat(rows(logits, row, 0, source)).as("row %d at the source's positions: the base model's", row)
                        .containsExactly(rows(plainSource, 0, 0, source), offset(TOLERANCE));
            }
        }
    }

    @Test
    void aSourceTailOfOnePutsTheInfixBeforeTheSourcesLastToken() {
        long[] source = {5, 17, 3, 96};
        long[] words = {61, 62};
        long[] target = {42, 7, 60};
        try (NDManager test = manager.newSubManager()) {
            long[] head = Arrays.copyOf(source, source.length - 1);
            AdapterHooks infix = infixOf(test, realActivations(test, head, words), 1);
            NDArray logits = model.forward(ForwardInput.of(test.create(new long[][] {concat(source, target)}))
                    .withTargetStart(test.create(new long[] {source.length})), infix);
            long[] inserted = concat(concat(concat(head, words), new long[] {source[source.length - 1]}), target);
            NDArray reference = model.forward(ForwardInput.of(test.create(new long[][] {inserted})), AdapterHooks.NONE);
            int after = head.length;
            assertThat(rows(logits, 0, after, source.length + target.length)).as("from the separator on")
                    .containsExactly(rows(reference, 0, after + words.length, inserted.length), offset(TOLERANCE));
        }
    }

    @Test
    void withoutATargetStartTheWholeInputIsSourceAndExplicitPositionsWin() {
        long[] sequence = {5, 17, 3, 88, 42};
        try (NDManager test = manager.newSubManager()) {
            AdapterHooks infix = infixOf(test, randomInfix(test, 1, 3), 0);
            NDArray plain = model.forward(ForwardInput.of(test.create(new long[][] {sequence})), AdapterHooks.NONE);
            NDArray noTarget = model.forward(ForwardInput.of(test.create(new long[][] {sequence})), infix);
            assertThat(noTarget.toFloatArray()).as("the infix after everything changes nothing").containsExactly(plain.toFloatArray(), offset(TOLERANCE));

            NDArray targetAtTwo = model.forward(ForwardInput.of(test.create(new long[][] {sequence})).withTargetStart(test.create(new long[] {2})), infix);
            long[] shifted = {0, 1, 5, 6, 7};
            NDArray explicit = model.forward(ForwardInput.of(test.create(new long[][] {sequence})).withTargetStart(test.create(new long[] {2}))
                    .withPositionIds(test.create(new long[][] {shifted})), infix);
            assertThat(explicit.toFloatArray()).as("explicit positions equal to the default shift").containsExactly(targetAtTwo.toFloatArray(), offset(TOLERANCE));
            NDArray unshifted = model.forward(ForwardInput.of(test.create(new long[][] {sequence})).withTargetStart(test.create(new long[] {2}))
                    .withPositionIds(test.create(new long[][] {{0, 1, 2, 3, 4}})), infix);
            assertThat(rows(unshifted, 0, 2, 5)).as("explicit positions are used as given").isNotEqualTo(rows(targetAtTwo, 0, 2, 5));
        }
    }

    @Test
    void cachedDecodingWithAnInfixEqualsRecomputation() {
        long[] prompt = {5, 17, 3, 88};
        long[] continuation = {42, 7, 7, 60};
        try (NDManager test = manager.newSubManager()) {
            for (int tail : new int[] {0, 1}) {
                AdapterHooks hooks = infixOf(test, randomInfix(test, 1, 3), tail);
                try (DecodingState state = model.startDecoding(ForwardInput.of(test.create(new long[][] {prompt})), hooks)) {
                    long[] sequence = prompt;
                    for (int step = 0; step <= continuation.length; step++) {
                        float[] expected = lastLogits(test, sequence, prompt.length, hooks);
                        assertThat(state.nextTokenLogits().toFloatArray()).as("tail %d, step %d", tail, step).containsExactly(expected, offset(TOLERANCE));
                        if (step < continuation.length) {
                            state.append(test.create(new long[] {continuation[step]}));
                            sequence = concat(sequence, new long[] {continuation[step]});
                        }
                    }
                }
            }
        }
    }

    @Test
    void leftPaddedBeamsWithPerRowInfixesDecodeLikeRowsAlone() {
        long[][] prompts = {{9, 8, 7, 6, 5}, {4, 3}};
        try (NDManager test = manager.newSubManager()) {
            List<KeyValuePrefix> perRow = randomInfix(test, 2, 2);
            AdapterHooks hooks = infixOf(test, perRow, 1);
            long[][] padded = new long[2][5];
            long[][] mask = new long[2][5];
            for (int row = 0; row < 2; row++) {
                int pad = 5 - prompts[row].length;
                System.arraycopy(prompts[row], 0, padded[row], pad, prompts[row].length);
                Arrays.fill(mask[row], pad, 5, 1);
            }
            try (DecodingState state = model.startDecoding(ForwardInput.of(test.create(padded)).withAttentionMask(test.create(mask)), hooks)) {
                state.selectRows(test.create(new long[] {1, 0, 1}));
                state.append(test.create(new long[] {21, 22, 23}));
                state.append(test.create(new long[] {31, 32, 33}));
                float[] logits = state.nextTokenLogits().toFloatArray();
                int vocab = model.geometry().vocabSize();
                long[] rowOf = {1, 0, 1};
                long[][] appended = {{21, 31}, {22, 32}, {23, 33}};
                for (int beam = 0; beam < 3; beam++) {
                    int row = (int) rowOf[beam];
                    AdapterHooks alone = infixOf(test, rowsOf(perRow, row), 1);
                    float[] expected = lastLogits(test, concat(prompts[row], appended[beam]), prompts[row].length, alone);
                    assertThat(Arrays.copyOfRange(logits, beam * vocab, (beam + 1) * vocab)).as("beam %d", beam).containsExactly(expected, offset(TOLERANCE));
                }
            }
        }
    }

    @Test
    void anInfixAndAPrefixTogetherDecodeLikeRecomputation() {
        long[] prompt = {5, 17, 3};
        try (NDManager test = manager.newSubManager()) {
            List<KeyValuePrefix> infix = randomInfix(test, 1, 2);
            List<KeyValuePrefix> prefix = randomInfix(test, 1, 3);
            AdapterHooks both = new AdapterHooks() {
                @Override
                public Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
                    return Optional.of(prefix.get(layer));
                }

                @Override
                public int positionOffset(Stack stack) {
                    return 3;
                }

                @Override
                public Optional<KeyValuePrefix> attentionInfix(AttentionSite site, int layer) {
                    return Optional.of(infix.get(layer));
                }
            };
            try (DecodingState state = model.startDecoding(ForwardInput.of(test.create(new long[][] {prompt})), both)) {
                state.append(test.create(new long[] {44}));
                assertThat(state.nextTokenLogits().toFloatArray()).containsExactly(lastLogits(test, new long[] {5, 17, 3, 44}, 3, both), offset(TOLERANCE));
            }
        }
    }

    @Test
    void passesWithAnInfixLeaveNoArraysInTheModelManager() {
        NDManager weights = model.baseParameters().values().iterator().next().getManager();
        int before = ((BaseNDManager) weights).getManagedArrays().size();
        try (NDManager test = manager.newSubManager()) {
            AdapterHooks hooks = infixOf(test, randomInfix(test, 1, 2), 1);
            model.forward(ForwardInput.of(test.create(new long[][] {{1, 2, 3}})).withTargetStart(test.create(new long[] {2})), hooks);
            model.tokenEmbeddings(test.create(new long[] {1, 2}));
            try (DecodingState state = model.startDecoding(ForwardInput.of(test.create(new long[][] {{1, 2, 3}})), hooks)) {
                for (int i = 0; i < 4; i++) {
                    state.append(test.create(new long[] {4}));
                    state.selectRows(test.create(new long[] {0}));
                }
            }
        }
        assertThat(((BaseNDManager) weights).getManagedArrays()).hasSize(before);
    }

    @Test
    void tokenEmbeddingsAreTheEmbeddingRowsAndPrependingThemEqualsPrependingTheTokens() {
        long[] words = {61, 62, 9};
        long[] tokens = {5, 17, 3};
        try (NDManager test = manager.newSubManager()) {
            NDArray embeddings = model.tokenEmbeddings(test.create(new long[][] {words}));
            assertThat(embeddings.getShape()).isEqualTo(new Shape(1, 3, model.geometry().hiddenSize()));
            assertThat(embeddings.getManager()).isSameAs(test);
            NDArray wte = model.baseParameters().get("wte.weight");
            assertThat(embeddings.get(new NDIndex("0, 1")).toFloatArray()).containsExactly(wte.get(new NDIndex("62")).toFloatArray());
            AdapterHooks virtual = new AdapterHooks() {
                @Override
                public Optional<NDArray> inputEmbeddings(Stack stack) {
                    return Optional.of(embeddings);
                }

                @Override
                public int positionOffset(Stack stack) {
                    return words.length;
                }
            };
            NDArray logits = model.forward(ForwardInput.of(test.create(new long[][] {tokens})), virtual);
            NDArray prepended = model.forward(ForwardInput.of(test.create(new long[][] {concat(words, tokens)})), AdapterHooks.NONE);
            assertThat(logits.toFloatArray()).containsExactly(rows(prepended, 0, words.length, words.length + tokens.length), offset(TOLERANCE));

            assertThatThrownBy(() -> model.tokenEmbeddings(test.create(new long[] {97}))).isInstanceOf(PeftException.class).hasMessageContaining("97");
            assertThatThrownBy(() -> model.tokenEmbeddings(test.create(new float[] {1f}))).isInstanceOf(PeftException.class).hasMessageContaining("integers");
        }
    }

    @Test
    void badInfixInputsAreClearErrors() {
        try (NDManager test = manager.newSubManager()) {
            AdapterHooks infix = infixOf(test, randomInfix(test, 1, 2), 0);
            NDArray ids = test.create(new long[][] {{1, 2, 3}});
            assertThatThrownBy(() -> model.forward(ForwardInput.of(ids).withTargetStart(test.create(new long[] {4})), infix))
                    .isInstanceOf(PeftException.class).hasMessageContaining("[0, 3]");
            assertThatThrownBy(() -> model.forward(ForwardInput.of(ids).withTargetStart(test.create(new long[] {1, 1})), infix))
                    .isInstanceOf(PeftException.class).hasMessageContaining("target starts");
            KeyValuePrefix wrongHeads = new KeyValuePrefix(test.zeros(new Shape(1, 3, 2, 8)), test.zeros(new Shape(1, 3, 2, 8)));
            AdapterHooks bad = new AdapterHooks() {
                @Override
                public Optional<KeyValuePrefix> attentionInfix(AttentionSite site, int layer) {
                    return Optional.of(wrongHeads);
                }
            };
            assertThatThrownBy(() -> model.forward(ForwardInput.of(ids), bad)).isInstanceOf(PeftException.class).hasMessageContaining("infix of layer 0");
            AdapterHooks negative = new AdapterHooks() {
                @Override
                public Optional<KeyValuePrefix> attentionInfix(AttentionSite site, int layer) {
                    return infix.attentionInfix(site, layer);
                }

                @Override
                public int infixSourceTail(Stack stack) {
                    return -1;
                }
            };
            assertThatThrownBy(() -> model.forward(ForwardInput.of(ids), negative)).isInstanceOf(PeftException.class).hasMessageContaining(">= 0");
        }
    }

    /** The keys/values the words have after {@code source} (what an infix of those words must hold there). */
    private static List<KeyValuePrefix> realActivations(NDManager test, long[] source, long[] words) {
        List<KeyValuePrefix> all = model.keyValues(test.create(new long[][] {concat(source, words)}), AttentionSite.DECODER_SELF);
        List<KeyValuePrefix> tail = new ArrayList<>();
        NDIndex wordsOnly = new NDIndex(":, :, {}:, :", source.length);
        for (KeyValuePrefix layer : all) {
            tail.add(new KeyValuePrefix(layer.keys().get(wordsOnly), layer.values().get(wordsOnly)));
        }
        return tail;
    }

    private static List<KeyValuePrefix> randomInfix(NDManager test, int batch, int length) {
        Shape shape = new Shape(batch, model.geometry().heads(), length, model.geometry().headDim());
        List<KeyValuePrefix> layers = new ArrayList<>();
        for (int layer = 0; layer < model.geometry().decoderLayers(); layer++) {
            layers.add(new KeyValuePrefix(test.randomNormal(shape), test.randomNormal(shape)));
        }
        return layers;
    }

    private static List<KeyValuePrefix> rowsOf(List<KeyValuePrefix> layers, int row) {
        NDIndex index = new NDIndex("{}:{}", row, row + 1);
        return layers.stream().map(layer -> new KeyValuePrefix(layer.keys().get(index), layer.values().get(index))).toList();
    }

    private static AdapterHooks infixOf(NDManager test, List<KeyValuePrefix> layers, int tail) {
        return new AdapterHooks() {
            @Override
            public Optional<KeyValuePrefix> attentionInfix(AttentionSite site, int layer) {
                return Optional.of(layers.get(layer));
            }

            @Override
            public int infixSourceTail(Stack stack) {
                return tail;
            }
        };
    }

    /** Recomputation: the last logits of {@code sequence} alone, its target starting at {@code targetStart}. */
    private static float[] lastLogits(NDManager test, long[] sequence, int targetStart, AdapterHooks hooks) {
        try (NDManager pass = test.newSubManager()) {
            NDArray logits = model.forward(ForwardInput.of(pass.create(new long[][] {sequence})).withTargetStart(pass.create(new long[] {targetStart})), hooks);
            return logits.get(new NDIndex("0, {}, :", sequence.length - 1)).toFloatArray();
        }
    }

    private static float[] rows(NDArray logits, int row, int from, int to) {
        return logits.get(new NDIndex("{}, {}:{}, :", row, from, to)).toFloatArray();
    }

    private static long[] concat(long[] first, long[] second) {
        long[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }
}
