package io.github.peft4j.model.bart;

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
 * Cached decoding equals recomputation; padded batches equal rows run alone; prefixes reach their sites; nothing
 * leaks into the model; bad input is an error, never a crash. The model has more encoder than decoder layers,
 * different ffn widths and scaled embeddings, so that a mix-up of the stacks shows.
 */
final class TestBartDecoding {
    private static final float TOLERANCE = 2e-5f;
    private static final long PAD = 1;
    private static final long START = 2;

    @TempDir
    static Path directory;

    private static NDManager manager;
    private static BartBackend model;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager("PyTorch");
        manager.getEngine().setRandomSeed(3);
        BartConfig config = new BartConfig(97, 40, 32, 3, 2, 4, 80, 72, "gelu", true, true, PAD, 0, 2, START);
        BartCheckpoints.writeRandom(directory, config, 7, manager);
        model = (BartBackend) new BartBackendProvider().load(directory, manager);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    @Test
    void cachedDecodingEqualsFullRecomputationWithAndWithoutPrefixes() {
        try (NDManager test = manager.newSubManager()) {
            AdapterHooks[] hooksToTry = {
                AdapterHooks.NONE,
                prefixes(test, 1, Map.of(AttentionSite.ENCODER_SELF, 4, AttentionSite.DECODER_SELF, 3, AttentionSite.DECODER_CROSS, 5), false),
                prefixes(test, 1, Map.of(AttentionSite.DECODER_SELF, 3), true)};
            long[] source = {0, 5, 17, 3, 88, 2};
            long[] continuation = {0, 42, 7, 7, 60, 2};
            for (AdapterHooks hooks : hooksToTry) {
                try (DecodingState state = model.startDecoding(input(test, new long[][] {source}, null, new long[][] {{START}}, null), hooks)) {
                    long[] sequence = {START};
                    for (int step = 0; step <= continuation.length; step++) {
                        float[] expected = lastLogits(test, source, sequence, hooks);
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
    void decodingStartsWithTheDecoderStartTokenByDefault() {
        try (NDManager test = manager.newSubManager()) {
            long[][] source = {{0, 9, 8, 2}};
            try (DecodingState implicit = model.startDecoding(ForwardInput.of(test.create(source)), AdapterHooks.NONE);
                    DecodingState explicit = model.startDecoding(input(test, source, null, new long[][] {{START}}, null), AdapterHooks.NONE)) {
                assertThat(implicit.nextTokenLogits().toFloatArray()).containsExactly(explicit.nextTokenLogits().toFloatArray(), offset(0f));
            }
        }
    }

    @Test
    void forwardWithoutDecoderIdsShiftsTheInputRightAsHuggingFace() {
        try (NDManager test = manager.newSubManager()) {
            long[][] source = {{0, 9, 8, 7, 2}};
            NDArray implicit = model.forward(ForwardInput.of(test.create(source)), AdapterHooks.NONE);
            NDArray shifted = model.forward(input(test, source, null, new long[][] {{START, 0, 9, 8, 7}}, null), AdapterHooks.NONE);
            assertThat(implicit.toFloatArray()).containsExactly(shifted.toFloatArray(), offset(0f));
        }
    }

    @Test
    void paddedEncoderBatchEqualsRowsAloneInForwardAndDecoding() {
        try (NDManager test = manager.newSubManager()) {
            AdapterHooks hooks = prefixes(test, 1, Map.of(AttentionSite.ENCODER_SELF, 2, AttentionSite.DECODER_SELF, 3, AttentionSite.DECODER_CROSS, 4), false);
            long[][] sources = {{0, 9, 8, 7, 6, 5, 2}, {0, 4, 2}, {0, 11, 12, 13, 2}};
            long[][] decoder = {{START, 0, 30}, {START, 0, 31}, {START, 0, 32}};
            for (boolean left : new boolean[] {false, true}) {
                long[][] padded = new long[3][7];
                long[][] mask = new long[3][7];
                for (int r = 0; r < 3; r++) {
                    int pad = 7 - sources[r].length;
                    Arrays.fill(padded[r], PAD);
                    for (int t = 0; t < sources[r].length; t++) {
                        padded[r][(left ? pad : 0) + t] = sources[r][t];
                        mask[r][(left ? pad : 0) + t] = 1;
                    }
                }
                NDArray batched = model.forward(input(test, padded, mask, decoder, null), hooks);
                try (DecodingState state = model.startDecoding(input(test, padded, mask, decoder, null), hooks)) {
                    state.append(test.create(new long[] {40, 41, 42}));
                    int vocab = model.geometry().vocabSize();
                    float[] stepped = state.nextTokenLogits().toFloatArray();
                    for (int r = 0; r < 3; r++) {
                        NDArray alone = model.forward(input(test, new long[][] {sources[r]}, null, new long[][] {decoder[r]}, null), hooks);
                        assertThat(batched.get(new NDIndex("{}", r)).toFloatArray()).as("forward row %d, left %s", r, left)
                                .containsExactly(alone.get(new NDIndex("0")).toFloatArray(), offset(TOLERANCE));
                        assertThat(Arrays.copyOfRange(stepped, r * vocab, (r + 1) * vocab)).as("decoding row %d, left %s", r, left)
                                .containsExactly(lastLogits(test, sources[r], append(decoder[r], 40 + r), hooks), offset(TOLERANCE));
                    }
                }
            }
        }
    }

    @Test
    void rightPaddedDecoderInputEqualsRowsAlone() {
        try (NDManager test = manager.newSubManager()) {
            AdapterHooks hooks = prefixes(test, 1, Map.of(AttentionSite.DECODER_SELF, 2), true);
            long[][] sources = {{0, 5, 6, 2}, {0, 7, 8, 2}};
            long[][] decoder = {{START, 0, 10, 11}, {START, 0, PAD, PAD}};
            long[][] mask = {{1, 1, 1, 1}, {1, 1, 0, 0}};
            NDArray logits = model.forward(input(test, sources, null, decoder, mask), hooks);
            NDArray alone = model.forward(input(test, new long[][] {sources[1]}, null, new long[][] {{START, 0}}, null), hooks);
            assertThat(logits.get(new NDIndex("1, 0:2, :")).toFloatArray())
                    .containsExactly(alone.get(new NDIndex("0")).toFloatArray(), offset(TOLERANCE));
        }
    }

    @Test
    void decoderLogitsAtChosenPositionsAreThoseRowsOfTheFullLogits() {
        try (NDManager test = manager.newSubManager()) {
            AdapterHooks hooks = prefixes(test, 1, Map.of(AttentionSite.DECODER_SELF, 2, AttentionSite.DECODER_CROSS, 3), false);
            ForwardInput input = input(test, new long[][] {{0, 5, 6, 2}, {0, 7, 8, 2}}, null, new long[][] {{START, 0, 10}, {START, 0, 12}}, null);
            long[] positions = {4, 1};
            NDArray chosen = model.forward(input.withLogitPositions(test.create(positions)), hooks);
            NDArray all = model.forward(input, hooks).reshape(6, model.geometry().vocabSize());
            for (int i = 0; i < positions.length; i++) {
                assertThat(chosen.get(i).toFloatArray()).containsExactly(all.get(positions[i]).toFloatArray(), offset(TOLERANCE));
            }
        }
    }

    @Test
    void leftPaddedDecoderPromptsDecodeLikeRowsAlone() {
        try (NDManager test = manager.newSubManager()) {
            AdapterHooks hooks = prefixes(test, 1, Map.of(AttentionSite.DECODER_SELF, 3, AttentionSite.DECODER_CROSS, 2), true);
            long[][] sources = {{0, 5, 6, 2}, {0, 7, 8, 2}};
            long[][] decoder = {{START, 0, 10, 11}, {PAD, PAD, START, 0}};
            long[][] mask = {{1, 1, 1, 1}, {0, 0, 1, 1}};
            try (DecodingState state = model.startDecoding(input(test, sources, null, decoder, mask), hooks)) {
                int vocab = model.geometry().vocabSize();
                state.append(test.create(new long[] {20, 21}));
                float[] logits = state.nextTokenLogits().toFloatArray();
                assertThat(Arrays.copyOfRange(logits, vocab, 2 * vocab))
                        .containsExactly(lastLogits(test, sources[1], new long[] {START, 0, 21}, hooks), offset(TOLERANCE));
            }
        }
    }

    @Test
    void selectRowsReordersTheEncoderSideToo() {
        try (NDManager test = manager.newSubManager()) {
            AdapterHooks hooks = prefixes(test, 1, Map.of(AttentionSite.ENCODER_SELF, 2, AttentionSite.DECODER_SELF, 3, AttentionSite.DECODER_CROSS, 4), false);
            long[][] sources = {{0, 3, 4, 5, 2}, {0, 6, 7, 2, PAD}};
            long[][] mask = {{1, 1, 1, 1, 1}, {1, 1, 1, 1, 0}};
            long[][] unpadded = {{0, 3, 4, 5, 2}, {0, 6, 7, 2}};
            try (DecodingState state = model.startDecoding(input(test, sources, mask, new long[][] {{START}, {START}}, null), hooks)) {
                state.append(test.create(new long[] {0, 0}));
                state.selectRows(test.create(new long[] {1, 1, 0}));
                assertThat(state.rows()).isEqualTo(3);
                state.append(test.create(new long[] {10, 11, 12}));
                state.selectRows(test.create(new int[] {2, 0}));
                state.append(test.create(new long[] {13, 14}));
                float[] logits = state.nextTokenLogits().toFloatArray();
                int vocab = model.geometry().vocabSize();
                assertThat(Arrays.copyOfRange(logits, 0, vocab))
                        .containsExactly(lastLogits(test, unpadded[0], new long[] {START, 0, 12, 13}, hooks), offset(TOLERANCE));
                assertThat(Arrays.copyOfRange(logits, vocab, 2 * vocab))
                        .containsExactly(lastLogits(test, unpadded[1], new long[] {START, 0, 10, 14}, hooks), offset(TOLERANCE));
            }
        }
    }

    @Test
    void perRowPrefixesFollowTheirRows() {
        try (NDManager test = manager.newSubManager()) {
            AdapterHooks mixed = prefixes(test, 2, Map.of(AttentionSite.ENCODER_SELF, 2, AttentionSite.DECODER_SELF, 3, AttentionSite.DECODER_CROSS, 4), false);
            long[][] sources = {{0, 3, 4, 5, 2}, {0, 3, 4, 5, 2}};
            try (DecodingState state = model.startDecoding(input(test, sources, null, new long[][] {{START}, {START}}, null), mixed)) {
                state.selectRows(test.create(new long[] {1, 0, 1}));
                state.append(test.create(new long[] {9, 9, 8}));
                state.selectRows(test.create(new long[] {2, 1}));
                state.append(test.create(new long[] {7, 7}));
                float[] logits = state.nextTokenLogits().toFloatArray();
                int vocab = model.geometry().vocabSize();
                assertThat(Arrays.copyOfRange(logits, 0, vocab))
                        .containsExactly(lastLogits(test, sources[1], new long[] {START, 8, 7}, rowOf(mixed, 1)), offset(TOLERANCE));
                assertThat(Arrays.copyOfRange(logits, vocab, 2 * vocab))
                        .containsExactly(lastLogits(test, sources[0], new long[] {START, 9, 7}, rowOf(mixed, 0)), offset(TOLERANCE));
            }
        }
    }

    @Test
    void eachPrefixReachesItsOwnSite() {
        try (NDManager test = manager.newSubManager()) {
            long[][] source = {{0, 3, 4, 5, 2}};
            long[][] decoder = {{START, 0, 6}};
            float[] plain = model.forward(input(test, source, null, decoder, null), AdapterHooks.NONE).toFloatArray();
            // The random model's weights are small (std 0.02): large prefix values make the effect of every site plain.
            for (AttentionSite site : AttentionSite.values()) {
                AdapterHooks hooks = prefixes(test, 1, Map.of(site, 2), false, 100f);
                float[] prefixed = model.forward(input(test, source, null, decoder, null), hooks).toFloatArray();
                assertThat(maxDifference(plain, prefixed)).as("%s changes the logits", site).isGreaterThan(50 * TOLERANCE);
            }
        }
    }

    @Test
    void decoderSelfKeyValuesOfWordsReproduceTheLongerSequence() {
        try (NDManager test = manager.newSubManager()) {
            long[] words = {0, 21, 22, 23};
            long[] tokens = {24, 25, 26};
            List<KeyValuePrefix> keyValues = model.keyValues(test.create(new long[][] {words}), AttentionSite.DECODER_SELF);
            assertThat(keyValues).hasSize(model.geometry().decoderLayers());
            AdapterHooks prefix = new AdapterHooks() {
                @Override
                public Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
                    return site == AttentionSite.DECODER_SELF ? Optional.of(keyValues.get(layer)) : Optional.empty();
                }

                @Override
                public int positionOffset(Stack stack) {
                    return stack == Stack.DECODER ? words.length : 0;
                }
            };
            long[] both = Arrays.copyOf(words, words.length + tokens.length);
            System.arraycopy(tokens, 0, both, words.length, tokens.length);
            NDArray full = model.forward(input(test, new long[][] {words}, null, new long[][] {both}, null), AdapterHooks.NONE);
            NDArray withPrefix = model.forward(input(test, new long[][] {words}, null, new long[][] {tokens}, null), prefix);
            assertThat(withPrefix.toFloatArray()).containsExactly(full.get(new NDIndex(":, {}:, :", words.length)).toFloatArray(), offset(TOLERANCE));
        }
    }

    @Test
    void keyValuesHaveOneEntryPerLayerOfTheSitesStack() {
        try (NDManager test = manager.newSubManager()) {
            ModelGeometry geometry = model.geometry();
            NDArray words = test.create(new long[][] {{0, 30, 31, 32, 33, 2}});
            Shape shape = new Shape(1, geometry.heads(), 6, geometry.headDim());
            for (AttentionSite site : AttentionSite.values()) {
                List<KeyValuePrefix> keyValues = model.keyValues(words, site);
                assertThat(keyValues).as("%s", site).hasSize(geometry.layers(site.stack()));
                keyValues.forEach(kv -> assertThat(kv.keys().getShape()).isEqualTo(shape));
            }
            assertThatThrownBy(() -> model.keyValues(test.create(new long[][] {{1, 2}, {3, 4}}), AttentionSite.DECODER_CROSS))
                    .isInstanceOf(PeftException.class).hasMessageContaining("[1, T]");
        }
    }

    @Test
    void tokenEmbeddingsAreRowsOfTheSharedEmbedding() {
        try (NDManager test = manager.newSubManager()) {
            NDArray embeddings = model.tokenEmbeddings(test.create(new int[][] {{5, 0}, {96, 5}}));
            assertThat(embeddings.getShape()).isEqualTo(new Shape(2, 2, 32));
            assertThat(embeddings.getManager()).isSameAs(test);
            NDArray shared = model.baseParameters().get("shared.weight");
            assertThat(embeddings.get(new NDIndex("1, 0")).toFloatArray()).containsExactly(shared.get(new NDIndex("96")).toFloatArray());
            assertThat(embeddings.get(new NDIndex("0, 0")).toFloatArray()).containsExactly(embeddings.get(new NDIndex("1, 1")).toFloatArray());
        }
    }

    @Test
    void forwardDecodingAndKeyValuesLeaveNoArraysInTheModelManager() {
        int before = arrayCount();
        try (NDManager test = manager.newSubManager()) {
            AdapterHooks hooks = prefixes(test, 2, Map.of(AttentionSite.ENCODER_SELF, 2, AttentionSite.DECODER_SELF, 3, AttentionSite.DECODER_CROSS, 4), false);
            long[][] sources = {{0, 1, 2, 3}, {0, 4, 2, PAD}};
            long[][] mask = {{1, 1, 1, 1}, {1, 1, 1, 0}};
            model.forward(input(test, sources, mask, new long[][] {{START, 0}, {START, 0}}, null), hooks);
            model.keyValues(test.create(new long[][] {{0, 5, 2}}), AttentionSite.DECODER_SELF);
            model.tokenEmbeddings(test.create(new long[] {0, 5, 2}));
            try (DecodingState state = model.startDecoding(input(test, sources, mask, null, null), hooks)) {
                for (int i = 0; i < 5; i++) {
                    state.append(test.create(new long[] {4, 5}));
                    state.selectRows(test.create(new long[] {1, 0}));
                }
            }
        }
        assertThat(arrayCount()).isEqualTo(before);
    }

    @Test
    void decodingStepsKeepAFlatNumberOfArrays() {
        try (NDManager test = manager.newSubManager()) {
            AdapterHooks hooks = prefixes(test, 1, Map.of(AttentionSite.DECODER_SELF, 3, AttentionSite.DECODER_CROSS, 2), false);
            try (DecodingState state = model.startDecoding(input(test, new long[][] {{0, 5, 2}}, null, null, null), hooks)) {
                state.selectRows(test.create(new long[] {0, 0}));
                state.append(test.create(new long[] {4, 5}));
                int afterFirstStep = liveArrays(test);
                for (int i = 0; i < 6; i++) {
                    state.selectRows(test.create(new long[] {1, 0}));
                    state.append(test.create(new long[] {4, 5}));
                }
                // Only the two index arrays per loop live in the test's manager; the state's own arrays stay flat.
                assertThat(liveArrays(test)).isEqualTo(afterFirstStep + 12);
            }
        }
    }

    @Test
    void badInputsAreClearErrorsNotCrashes() {
        try (NDManager test = manager.newSubManager()) {
            long[][] source = {{0, 5, 2}};
            long[][] decoder = {{START, 0}};
            assertFails(() -> model.forward(input(test, new long[][] {{0, 500}}, null, decoder, null), AdapterHooks.NONE),
                    StandardErrorCode.INVALID_ARGUMENT, "500", "input ids");
            assertFails(() -> model.forward(input(test, source, null, new long[][] {{START, -3}}, null), AdapterHooks.NONE),
                    StandardErrorCode.INVALID_ARGUMENT, "-3", "decoder input ids");
            assertFails(() -> model.forward(ForwardInput.of(test.create(new long[] {1, 2})), AdapterHooks.NONE),
                    StandardErrorCode.SHAPE_MISMATCH, "[batch, length]");
            assertFails(() -> model.forward(ForwardInput.of(test.create(new float[][] {{1f, 2f}})), AdapterHooks.NONE),
                    StandardErrorCode.INVALID_ARGUMENT, "integers");
            assertFails(() -> model.forward(input(test, source, null, new long[][] {{START}, {START}}, null), AdapterHooks.NONE),
                    StandardErrorCode.SHAPE_MISMATCH, "decoder input ids", "[1, length > 0]");
            assertFails(() -> model.forward(ForwardInput.of(test.zeros(new Shape(1, 41), DataType.INT64)), AdapterHooks.NONE),
                    StandardErrorCode.SHAPE_MISMATCH, "encoder", "too long");
            assertFails(() -> model.forward(input(test, source, null, new long[1][38], null), prefixes(test, 1, Map.of(AttentionSite.DECODER_SELF, 3), true)),
                    StandardErrorCode.SHAPE_MISMATCH, "decoder", "numbered from 3", "too long");
            assertFails(() -> model.forward(input(test, source, new long[][] {{1, 2, 1}}, decoder, null), AdapterHooks.NONE),
                    StandardErrorCode.INVALID_ARGUMENT, "only 0 and 1");
            assertFails(() -> model.forward(input(test, source, new long[][] {{0, 0, 0}}, decoder, null), AdapterHooks.NONE),
                    StandardErrorCode.INVALID_ARGUMENT, "no real token");
            assertFails(() -> model.forward(input(test, source, new long[][] {{1, 1}}, decoder, null), AdapterHooks.NONE),
                    StandardErrorCode.SHAPE_MISMATCH, "attention mask", "[1, 3]");
            assertFails(() -> model.forward(ForwardInput.of(test.create(source)).withDecoderInput(test.create(decoder), Optional.of(test.create(new long[][] {{1}}))),
                    AdapterHooks.NONE), StandardErrorCode.SHAPE_MISMATCH, "decoder attention mask");
            assertFails(() -> model.forward(new ForwardInput(test.create(source), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.of(test.create(new long[][] {{1, 1}}))), AdapterHooks.NONE), StandardErrorCode.INVALID_ARGUMENT, "without decoder input ids");
            assertFails(() -> model.forward(ForwardInput.of(test.create(source)).withPositionIds(test.create(new long[][] {{0, 1, 2}})), AdapterHooks.NONE),
                    StandardErrorCode.INVALID_ARGUMENT, "position");
            assertFails(() -> model.startDecoding(input(test, source, null, new long[][] {{START, PAD}}, new long[][] {{1, 0}}), AdapterHooks.NONE),
                    StandardErrorCode.INVALID_ARGUMENT, "left");

            KeyValuePrefix wrongHeads = new KeyValuePrefix(test.zeros(new Shape(1, 3, 2, 8)), test.zeros(new Shape(1, 3, 2, 8)));
            assertFails(() -> model.forward(input(test, source, null, decoder, null), siteHooks(AttentionSite.DECODER_CROSS, layer -> wrongHeads)),
                    StandardErrorCode.SHAPE_MISMATCH, "DECODER_CROSS prefix of layer 0");
            KeyValuePrefix wrongBatch = new KeyValuePrefix(test.zeros(new Shape(3, 4, 2, 8)), test.zeros(new Shape(3, 4, 2, 8)));
            assertFails(() -> model.forward(input(test, source, null, decoder, null), siteHooks(AttentionSite.ENCODER_SELF, layer -> wrongBatch)),
                    StandardErrorCode.SHAPE_MISMATCH, "[1 or 1, 4, P > 0, 8]");
            KeyValuePrefix good = new KeyValuePrefix(test.zeros(new Shape(1, 4, 2, 8)), test.zeros(new Shape(1, 4, 2, 8)));
            assertFails(() -> model.forward(input(test, source, null, decoder, null), siteHooks(AttentionSite.ENCODER_SELF, layer -> layer == 1 ? null : good)),
                    StandardErrorCode.SHAPE_MISMATCH, "every layer");
            KeyValuePrefix doubles = new KeyValuePrefix(test.zeros(new Shape(1, 4, 2, 8), DataType.FLOAT64), test.zeros(new Shape(1, 4, 2, 8), DataType.FLOAT64));
            assertFails(() -> model.forward(input(test, source, null, decoder, null), siteHooks(AttentionSite.DECODER_SELF, layer -> doubles)),
                    StandardErrorCode.INVALID_ARGUMENT, "float32");
            AdapterHooks virtualTokens = new AdapterHooks() {
                @Override
                public Optional<NDArray> inputEmbeddings(Stack stack) {
                    return Optional.of(test.zeros(new Shape(1, 2, 32)));
                }
            };
            assertFails(() -> model.forward(input(test, source, null, decoder, null), virtualTokens), StandardErrorCode.UNSUPPORTED_INJECTION_POINT,
                    "INPUT_EMBEDDINGS");
            AdapterHooks infix = new AdapterHooks() {
                @Override
                public Optional<KeyValuePrefix> attentionInfix(AttentionSite site, int layer) {
                    return Optional.of(good);
                }
            };
            assertFails(() -> model.startDecoding(input(test, source, null, decoder, null), infix), StandardErrorCode.UNSUPPORTED_INJECTION_POINT,
                    "ATTENTION_INFIX");
            assertFails(() -> model.tokenEmbeddings(test.create(new long[] {3, 97})), StandardErrorCode.INVALID_ARGUMENT, "97");

            try (DecodingState state = model.startDecoding(input(test, source, null, null, null), AdapterHooks.NONE)) {
                assertFails(() -> state.append(test.create(new long[] {1, 2})), StandardErrorCode.SHAPE_MISMATCH, "one integer token per row");
                assertFails(() -> state.append(test.create(new float[] {1f})), StandardErrorCode.SHAPE_MISMATCH, "one integer token per row");
                assertFails(() -> state.append(test.create(new long[] {97})), StandardErrorCode.INVALID_ARGUMENT, "97");
                assertFails(() -> state.selectRows(test.create(new long[] {1})), StandardErrorCode.INVALID_ARGUMENT, "Row 1 does not exist");
                assertFails(() -> state.selectRows(test.create(new long[0])), StandardErrorCode.INVALID_ARGUMENT, "at least one row");
                for (int i = 0; i < 39; i++) {
                    state.append(test.create(new long[] {5}));
                }
                assertFails(() -> state.append(test.create(new long[] {5})), StandardErrorCode.SHAPE_MISMATCH, "40 decoder positions");
            }
        }
    }

    private static void assertFails(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, StandardErrorCode code, String... fragments) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(code.toErrorCode()))
                .hasMessageContainingAll(fragments);
    }

    /** Arrays held by the manager of the model's weights: a pass that leaks into it grows this. */
    private static int arrayCount() {
        NDManager weights = model.baseParameters().values().iterator().next().getManager();
        return ((BaseNDManager) weights).getManagedArrays().size();
    }

    private static int liveArrays(NDManager test) {
        return ((BaseNDManager) test).getManagedArrays().size();
    }

    private static float maxDifference(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    static ForwardInput input(NDManager test, long[][] source, long[][] mask, long[][] decoder, long[][] decoderMask) {
        ForwardInput input = ForwardInput.of(test.create(source));
        if (mask != null) {
            input = input.withAttentionMask(test.create(mask));
        }
        if (decoder != null) {
            input = input.withDecoderInput(test.create(decoder), Optional.ofNullable(decoderMask).map(test::create));
        }
        return input;
    }

    private static float[] lastLogits(NDManager test, long[] source, long[] decoder, AdapterHooks hooks) {
        try (NDManager pass = test.newSubManager()) {
            NDArray logits = model.forward(input(pass, new long[][] {source}, null, new long[][] {decoder}, null), hooks);
            return logits.get(new NDIndex("0, {}, :", decoder.length - 1)).toFloatArray();
        }
    }

    private static long[] append(long[] sequence, long token) {
        long[] longer = Arrays.copyOf(sequence, sequence.length + 1);
        longer[sequence.length] = token;
        return longer;
    }

    /**
     * Random keys/values of the given lengths per site ({@code batch} rows each); {@code peft} numbers each
     * stack's real tokens after its self-attention prefix, otherwise from 0.
     */
    static AdapterHooks prefixes(NDManager test, int batch, Map<AttentionSite, Integer> lengths, boolean peft) {
        return prefixes(test, batch, lengths, peft, 1f);
    }

    private static AdapterHooks prefixes(NDManager test, int batch, Map<AttentionSite, Integer> lengths, boolean peft, float valueScale) {
        ModelGeometry geometry = model.geometry();
        Map<AttentionSite, KeyValuePrefix[]> all = new EnumMap<>(AttentionSite.class);
        lengths.forEach((site, length) -> {
            Shape shape = new Shape(batch, geometry.heads(), length, geometry.headDim());
            KeyValuePrefix[] layers = new KeyValuePrefix[geometry.layers(site.stack())];
            for (int layer = 0; layer < layers.length; layer++) {
                layers[layer] = new KeyValuePrefix(test.randomNormal(shape), test.randomNormal(0, valueScale, shape, DataType.FLOAT32));
            }
            all.put(site, layers);
        });
        return new AdapterHooks() {
            @Override
            public Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
                return Optional.ofNullable(all.get(site)).map(layers -> layers[layer]);
            }

            @Override
            public int positionOffset(Stack stack) {
                AttentionSite self = stack == Stack.ENCODER ? AttentionSite.ENCODER_SELF : AttentionSite.DECODER_SELF;
                return peft ? lengths.getOrDefault(self, 0) : 0;
            }
        };
    }

    private static AdapterHooks siteHooks(AttentionSite only, java.util.function.IntFunction<KeyValuePrefix> layers) {
        return new AdapterHooks() {
            @Override
            public Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
                return site == only ? Optional.ofNullable(layers.apply(layer)) : Optional.empty();
            }
        };
    }

    /** Row {@code row} of per-row prefixes, as a one-row adapter would give it. */
    static AdapterHooks rowOf(AdapterHooks hooks, int row) {
        return new AdapterHooks() {
            @Override
            public Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
                return hooks.attentionPrefix(site, layer).map(all -> new KeyValuePrefix(all.keys().get(new NDIndex("{}:{}", row, row + 1)),
                        all.values().get(new NDIndex("{}:{}", row, row + 1))));
            }

            @Override
            public int positionOffset(Stack stack) {
                return hooks.positionOffset(stack);
            }
        };
    }
}
