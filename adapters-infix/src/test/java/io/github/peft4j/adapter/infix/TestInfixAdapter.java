package io.github.peft4j.adapter.infix;

import static io.github.peft4j.testing.AdapterTesting.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.peft4j.core.format.LayerPrefixes;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.core.training.CausalLmBatch;
import io.github.peft4j.core.training.TokenTargets;
import io.github.peft4j.core.training.TrainingExample;
import io.github.peft4j.model.gpt2.Gpt2BackendProvider;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.InjectionPoint;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.testing.AdapterTesting;
import io.github.peft4j.testing.BadAdapterFiles;
import io.github.peft4j.testing.EngineManager;
import io.github.peft4j.testing.TinyModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Infix-tuning on the golden GPT-2: the insertion property, shapes, memory, gradients, export and load, errors. */
final class TestInfixAdapter {
    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    @RegisterExtension
    static final TinyModel MODEL = TinyModel.golden(new Gpt2BackendProvider());

    private static final long[] SOURCE = {5, 17, 300, 42, 999};
    private static final long[] WORDS = {464, 3, 77};
    private static final long[] TARGET = {9, 610, 7, 999};
    private static final List<TrainingExample> BATCH = List.of(new TrainingExample(SOURCE, TARGET),
            new TrainingExample(new long[] {7, 7, 999}, new long[] {1, 2, 3, 4, 5, 999}));

    @TempDir
    Path directory;

    private final InfixAdapterProvider provider = new InfixAdapterProvider();

    private InfixAdapter create(NDManager manager, long seed, String... settings) {
        return provider.create(provider.parseConfig(AdapterTesting.settings(settings)), new AdapterContext(MODEL.model(), manager, seed));
    }

    /** The logits of {@link #BATCH} as the trainer feeds it (right-padded, each row's target start given). */
    private static NDArray logits(AdapterHooks hooks, NDManager pass) {
        ForwardInput training = CausalLmBatch.of(BATCH, 999).toInput(pass);
        // Every position's logits (training asks for the target's only), for comparisons across the whole row.
        return MODEL.model().forward(new ForwardInput(training.inputIds(), training.attentionMask(), training.positionIds(), training.decoderInputIds(),
                training.decoderAttentionMask(), training.targetStart(), Optional.empty()), hooks);
    }

    private static String ids(long[] ids) {
        return Arrays.stream(ids).mapToObj(Long::toString).collect(Collectors.joining(","));
    }

    @Test
    void anInfixOfRealTokensActivationsGivesAtTheTargetTheLogitsOfInsertingThem() {
        try (NDManager manager = ARRAYS.manager().newSubManager();
                InfixAdapter adapter = create(manager, 1, "init-ids", ids(WORDS), "init-context-ids", ids(SOURCE), "mlp-width", "0", "boundary", "target");
                NDManager pass = ARRAYS.manager().newSubManager()) {
            assertThat(adapter.length()).isEqualTo(WORDS.length);
            NDArray adapted = logits(adapter.hooks(new ForwardContext(pass, BATCH.size(), false)), pass);
            long[] inserted = concat(SOURCE, WORDS, TARGET);
            NDArray reference = MODEL.model().forward(ForwardInput.of(pass.create(new long[][] {inserted})), AdapterHooks.NONE);
            NDArray plain = MODEL.model().forward(ForwardInput.of(pass.create(new long[][] {SOURCE})), AdapterHooks.NONE);

            int source = SOURCE.length;
            assertThat(rows(adapted, 0, source, source + TARGET.length)).as("at the target's positions")
                    .containsExactly(rows(reference, 0, source + WORDS.length, inserted.length), offset(1e-4f));
            assertThat(rows(adapted, 0, 0, source)).as("at the source's positions: the base model's")
                    .containsExactly(rows(plain, 0, 0, source), offset(1e-4f));
        }
    }

    @Test
    void theSeparatorBoundaryPutsTheInfixBeforeTheSourcesLastToken() {
        long[] head = Arrays.copyOf(SOURCE, SOURCE.length - 1);
        try (NDManager manager = ARRAYS.manager().newSubManager();
                InfixAdapter adapter = create(manager, 1, "init-ids", ids(WORDS), "init-context-ids", ids(head), "mlp-width", "0");
                NDManager pass = ARRAYS.manager().newSubManager()) {
            assertThat(adapter.config().boundary()).isEqualTo(InfixConfig.Boundary.SEPARATOR);
            NDArray adapted = logits(adapter.hooks(new ForwardContext(pass, BATCH.size(), false)), pass);
            long[] inserted = concat(head, WORDS, new long[] {SOURCE[SOURCE.length - 1]}, TARGET);
            NDArray reference = MODEL.model().forward(ForwardInput.of(pass.create(new long[][] {inserted})), AdapterHooks.NONE);
            int end = SOURCE.length + TARGET.length;
            assertThat(rows(adapted, 0, head.length, end)).as("from the separator on, whose logits predict the target's first token")
                    .containsExactly(rows(reference, 0, head.length + WORDS.length, inserted.length), offset(1e-4f));
        }
    }

    @Test
    void wordsInitWithAnMlpFitsTheMlpToTheWordsActivations() {
        try (NDManager manager = ARRAYS.manager().newSubManager(); InfixAdapter fitted = create(manager, 4, "init-ids", ids(WORDS), "mlp-width", "16");
                InfixAdapter unfitted = create(manager, 4, "length", "3", "mlp-width", "16"); NDManager pass = ARRAYS.manager().newSubManager()) {
            float[] target = new LayerPrefixes(AttentionSite.DECODER_SELF,
                    MODEL.model().keyValues(pass.create(WORDS, new Shape(1, WORDS.length)), AttentionSite.DECODER_SELF), 0).toRows().toFloatArray();
            double before = meanSquaredError(rows(unfitted, pass), target);
            double after = meanSquaredError(rows(fitted, pass), target);
            assertThat(after).as("MSE to the words' keys/values after the fit (%s before)", before).isLessThan(before / 2);
            fitted.trainableParameters().forEach((name, parameter) -> assertThat(parameter.hasGradient()).as(name).isFalse());
        }
    }

    private static float[] rows(InfixAdapter adapter, NDManager pass) {
        AdapterHooks hooks = adapter.hooks(new ForwardContext(pass, 1, false));
        List<KeyValuePrefix> layers = new ArrayList<>();
        for (int layer = 0; layer < MODEL.geometry().decoderLayers(); layer++) {
            layers.add(hooks.attentionInfix(AttentionSite.DECODER_SELF, layer).orElseThrow());
        }
        return new LayerPrefixes(AttentionSite.DECODER_SELF, layers, 0).toRows().toFloatArray();
    }

    private static double meanSquaredError(float[] actual, float[] target) {
        double sum = 0;
        for (int i = 0; i < target.length; i++) {
            sum += (actual[i] - target[i]) * (double) (actual[i] - target[i]);
        }
        return sum / target.length;
    }

    @Test
    void parametersFollowIkLAndDAndCountTheExportedForm() {
        int d = MODEL.geometry().hiddenSize();
        int width = 2 * MODEL.geometry().decoderLayers() * d;
        try (NDManager manager = ARRAYS.manager().newSubManager(); InfixAdapter mlp = create(manager, 1, "length", "4", "mlp-width", "16");
                InfixAdapter flat = create(manager, 1, "length", "4", "mlp-width", "0"); InfixAdapter defaults = create(manager, 1)) {
            Map<String, Shape> shapes = new LinkedHashMap<>();
            mlp.trainableParameters().forEach((name, parameter) -> shapes.put(name, parameter.getShape()));
            assertThat(shapes).containsExactly(
                    Map.entry("infix_module.embedding.weight", new Shape(4, d)),
                    Map.entry("infix_module.transform.0.weight", new Shape(16, d)),
                    Map.entry("infix_module.transform.0.bias", new Shape(16)),
                    Map.entry("infix_module.transform.2.weight", new Shape(width, 16)),
                    Map.entry("infix_module.transform.2.bias", new Shape(width)));
            assertThat(flat.trainableParameters()).containsOnlyKeys("infix_module.embedding.weight");
            assertThat(flat.trainableParameters().get("infix_module.embedding.weight").getShape()).isEqualTo(new Shape(4, width));
            assertThat(mlp.exportedParameterCount()).isEqualTo(4L * width).isEqualTo(flat.exportedParameterCount());
            assertThat(defaults.length()).isEqualTo(InfixConfig.DEFAULT_LENGTH);
            assertThat(defaults.mlpWidth()).isEqualTo(InfixConfig.DEFAULT_MLP_WIDTH);
            assertThat(mlp.method()).isEqualTo("infix");
        }
    }

    @Test
    void hooksGiveOneBroadcastInfixPerLayerInThePassManager() {
        try (NDManager manager = ARRAYS.manager().newSubManager(); InfixAdapter separator = create(manager, 1, "length", "3", "mlp-width", "16");
                InfixAdapter target = create(manager, 1, "length", "3", "mlp-width", "16", "boundary", "target");
                NDManager pass = ARRAYS.manager().newSubManager()) {
            AdapterHooks hooks = separator.hooks(new ForwardContext(pass, 2, true));
            for (int layer = 0; layer < MODEL.geometry().decoderLayers(); layer++) {
                KeyValuePrefix infix = hooks.attentionInfix(AttentionSite.DECODER_SELF, layer).orElseThrow();
                assertThat(infix.keys().getShape()).isEqualTo(new Shape(1, MODEL.geometry().heads(), 3, MODEL.geometry().headDim()));
                assertThat(infix.keys().getManager()).isSameAs(pass);
                assertThat(infix.values().getManager()).isSameAs(pass);
            }
            assertThat(hooks.attentionInfix(AttentionSite.DECODER_SELF, MODEL.geometry().decoderLayers())).isEmpty();
            assertThat(hooks.attentionPrefix(AttentionSite.DECODER_SELF, 0)).isEmpty();
            assertThat(hooks.positionOffset(Stack.DECODER)).isZero();
            assertThat(hooks.infixSourceTail(Stack.DECODER)).isEqualTo(1);
            assertThat(target.hooks(new ForwardContext(pass, 2, true)).infixSourceTail(Stack.DECODER)).isZero();
        }
    }

    @Test
    void repeatedPassesLeaveNoArraysInTheAdapterManager() {
        try (NDManager manager = ARRAYS.manager().newSubManager(); InfixAdapter adapter = create(manager, 1, "length", "3", "mlp-width", "16")) {
            int before = ((BaseNDManager) manager).getManagedArrays().size();
            assertThat(before).as("only the parameters").isEqualTo(adapter.trainableParameters().size());
            for (int pass = 0; pass < 20; pass++) {
                try (NDManager arrays = ARRAYS.manager().newSubManager()) {
                    logits(adapter.hooks(new ForwardContext(arrays, BATCH.size(), pass % 2 == 0)), arrays);
                }
            }
            assertThat(((BaseNDManager) manager).getManagedArrays()).hasSize(before);
        }
    }

    @Test
    void gradientsReachEveryParameterAndTheBaseModelStaysBitIdentical() {
        Map<String, byte[]> baseBefore = new LinkedHashMap<>();
        MODEL.model().baseParameters().forEach((name, weight) -> baseBefore.put(name, weight.toByteArray()));
        try (NDManager manager = ARRAYS.manager().newSubManager(); InfixAdapter adapter = create(manager, 1, "length", "3", "mlp-width", "16");
                NDManager pass = ARRAYS.manager().newSubManager()) {
            adapter.trainableParameters().values().forEach(parameter -> parameter.setRequiresGradient(true));
            CausalLmBatch batch = CausalLmBatch.of(BATCH, 999);
            try (GradientCollector collector = pass.getEngine().newGradientCollector()) {
                collector.backward(TokenTargets.shifted(batch.labels()).meanLoss(logits(adapter.hooks(new ForwardContext(pass, BATCH.size(), true)), pass)));
            }
            adapter.trainableParameters().forEach((name, parameter) -> {
                float[] gradient = parameter.getGradient().toFloatArray();
                assertThat(gradient).as(name).isNotEqualTo(new float[gradient.length]);
                assertThat(gradient).as(name).doesNotContain(Float.NaN);
            });
        }
        MODEL.model().baseParameters().forEach((name, weight) -> {
            assertThat(weight.hasGradient()).as(name).isFalse();
            assertThat(weight.toByteArray()).as(name).isEqualTo(baseBefore.get(name));
        });
    }

    @Test
    void exportWritesAnInfixDirectoryThatLoadsBackWithTheSameLogitsAndBoundary() throws IOException {
        try (NDManager manager = ARRAYS.manager().newSubManager();
                InfixAdapter adapter = create(manager, 5, "length", "3", "mlp-width", "16", "boundary", "target");
                NDManager pass = ARRAYS.manager().newSubManager()) {
            float[] expected = logits(adapter.hooks(new ForwardContext(pass, BATCH.size(), false)), pass).toFloatArray();
            adapter.export(directory);

            JsonNode config = new ObjectMapper().readTree(directory.resolve("adapter_config.json").toFile());
            assertThat(config.get("peft4j_method").asText()).isEqualTo("infix");
            assertThat(config.get("num_virtual_tokens").asInt()).isEqualTo(3);
            assertThat(config.get("boundary").asText()).isEqualTo("target");
            assertThat(config.has("peft_type")).as("PEFT has no infix-tuning").isFalse();
            try (SafetensorsFile weights = SafetensorsFile.open(directory.resolve("adapter_model.safetensors"))) {
                assertThat(weights.names()).containsExactly("infix_embeddings");
                assertThat(weights.info("infix_embeddings").shape()).isEqualTo(new Shape(3, 2L * MODEL.geometry().decoderLayers() * MODEL.geometry().hiddenSize()));
            }

            try (InfixAdapter loaded = provider.load(directory, new AdapterContext(MODEL.model(), manager, 0))) {
                assertThat(loaded.config().boundary()).isEqualTo(InfixConfig.Boundary.TARGET);
                assertThat(loaded.trainableParameters()).containsOnlyKeys("infix_module.embedding.weight");
                assertThat(loaded.exportedParameterCount()).isEqualTo(adapter.exportedParameterCount());
                assertThat(logits(loaded.hooks(new ForwardContext(pass, BATCH.size(), false)), pass).toFloatArray()).containsExactly(expected, offset(1e-5f));
                try (InfixAdapter recreated = provider.create(provider.parseConfig(loaded.config().toSettings()), new AdapterContext(MODEL.model(), manager, 9))) {
                    assertThat(recreated.config().boundary()).isEqualTo(InfixConfig.Boundary.TARGET);
                    assertThat(recreated.trainableParameters().get("infix_module.embedding.weight").toFloatArray())
                            .containsExactly(loaded.trainableParameters().get("infix_module.embedding.weight").toFloatArray());
                }
            }
        }
    }

    @Test
    void trainableTensorsSavedToAFileStartANewAdapter() {
        try (NDManager manager = ARRAYS.manager().newSubManager(); InfixAdapter adapter = create(manager, 5, "length", "2", "mlp-width", "8")) {
            Path file = directory.resolve("start.safetensors");
            SafetensorsWriter.write(file, adapter.trainableParameters(), Map.of());
            try (InfixAdapter started = create(manager, 0, "init-file", file.toString())) {
                assertThat(started.mlpWidth()).isEqualTo(8);
                adapter.trainableParameters().forEach((name, parameter) ->
                        assertThat(started.trainableParameters().get(name).toFloatArray()).as(name).containsExactly(parameter.toFloatArray()));
            }
        }
    }

    @Test
    void backendsAndStartingPointsThatDoNotFitAreRefused() {
        ModelBackend prefixOnly = AdapterTesting.stubBackend(MODEL.geometry(), Set.of(InjectionPoint.ATTENTION_PREFIX, InjectionPoint.INPUT_EMBEDDINGS));
        assertError(() -> provider.create(InfixConfig.defaults(), new AdapterContext(prefixOnly, ARRAYS.manager(), 0)),
                StandardErrorCode.UNSUPPORTED_INJECTION_POINT, "ATTENTION_INFIX");
        ModelGeometry encoderDecoder = new ModelGeometry("bart", 2, 2, 4, 16, 64, 1000, 128);
        ModelBackend bart = AdapterTesting.stubBackend(encoderDecoder, Set.of(InjectionPoint.ATTENTION_INFIX));
        assertError(() -> provider.create(InfixConfig.defaults(), new AdapterContext(bart, ARRAYS.manager(), 0)),
                StandardErrorCode.UNSUPPORTED_INJECTION_POINT, "encoder-decoder");
        try (NDManager manager = ARRAYS.manager().newSubManager(); NDManager files = ARRAYS.manager().newSubManager()) {
            assertError(() -> create(manager, 0, "init-ids", "5," + MODEL.geometry().vocabSize()), StandardErrorCode.INVALID_ARGUMENT, "vocabulary");
            assertError(() -> create(manager, 0, "init-ids", "5", "init-context-ids", "7," + MODEL.geometry().vocabSize()), StandardErrorCode.INVALID_ARGUMENT,
                    "init-context-ids");
            assertError(() -> create(manager, 0, "init-text", "hello"), StandardErrorCode.INVALID_ARGUMENT, "init-ids");
            assertError(() -> create(manager, 0, "init-ids", "5,6", "length", "3"), StandardErrorCode.INVALID_ARGUMENT, "length = 3");
            assertError(() -> create(manager, 0, "init-file", directory.resolve("absent.safetensors").toString()), StandardErrorCode.FILE_NOT_FOUND, "absent");

            AdapterContext context = new AdapterContext(MODEL.model(), manager, 0);
            AtomicFiles.writeString(directory.resolve("prefix/adapter_config.json"), "{\"peft_type\": \"PREFIX_TUNING\", \"task_type\": \"CAUSAL_LM\"}");
            SafetensorsWriter.write(directory.resolve("prefix/adapter_model.safetensors"), Map.of("prompt_embeddings", files.zeros(new Shape(2, 8))), Map.of());
            assertError(() -> provider.load(directory.resolve("prefix"), context), StandardErrorCode.MALFORMED_CONFIG, "PREFIX_TUNING");
            assertError(() -> provider.load(directory.resolve("prefix/adapter_config.json"), context), StandardErrorCode.FILE_NOT_FOUND, "not a directory");
            assertThat(((BaseNDManager) manager).getManagedArrays()).as("failed creations free what they made").isEmpty();
        }
    }

    private static float[] rows(NDArray logits, int row, int from, int to) {
        return logits.get(new NDIndex("{}, {}:{}, :", row, from, to)).toFloatArray();
    }

    private static long[] concat(long[]... parts) {
        return Arrays.stream(parts).flatMapToLong(Arrays::stream).toArray();
    }

    @Test
    void exportedInfixesInFloat64LoadAndCorruptOnesAreRefusedNamingFileAndTensor() throws IOException {
        try (NDManager manager = ARRAYS.manager().newSubManager(); NDManager pass = ARRAYS.manager().newSubManager()) {
            AdapterContext context = new AdapterContext(MODEL.model(), manager, 0);
            Path exported = directory.resolve("exported");
            try (InfixAdapter adapter = create(manager, 5, "length", "2", "mlp-width", "8")) {
                adapter.export(exported);
            }
            Path weights = exported.resolve("adapter_model.safetensors");
            Path config = exported.resolve("adapter_config.json");
            float[] expected;
            try (InfixAdapter single = provider.load(exported, context)) {
                expected = logits(single.hooks(new ForwardContext(pass, BATCH.size(), false)), pass).toFloatArray();
            }
            BadAdapterFiles.retype(weights, InfixFiles.TENSOR, DataType.FLOAT64);
            try (InfixAdapter dual = provider.load(exported, context)) {
                assertThat(logits(dual.hooks(new ForwardContext(pass, BATCH.size(), false)), pass).toFloatArray()).containsExactly(expected);
            }
            BadAdapterFiles.setFirst(weights, InfixFiles.TENSOR, Float.NaN);
            assertError(() -> provider.load(exported, context), StandardErrorCode.MALFORMED_CHECKPOINT,
                    "tensor 'infix_embeddings' of " + weights + " holds 1 non-finite value");
            BadAdapterFiles.retype(weights, InfixFiles.TENSOR, DataType.INT32);
            assertError(() -> provider.load(exported, context), StandardErrorCode.MALFORMED_CHECKPOINT, "holds I32 values");
            BadAdapterFiles.editConfig(config, json -> json.put("boundary", "middle"));
            assertError(() -> provider.load(exported, context), StandardErrorCode.MALFORMED_CONFIG,
                    config + " has \"boundary\": \"middle\"; expected separator or target");
            BadAdapterFiles.editConfig(config, json -> json.put("boundary", "target").put("num_virtual_tokens", MODEL.geometry().maxPositions()));
            assertError(() -> provider.load(exported, context), StandardErrorCode.INVALID_ARGUMENT, config + " says num_virtual_tokens = "
                    + MODEL.geometry().maxPositions());
            assertThat(((BaseNDManager) manager).getManagedArrays()).as("failed loads free what they made").isEmpty();
        }
    }

    @Test
    void sizesBeyondThePositionsOrMemoryAreRefusedByTheirOptionBeforeAllocating() {
        try (NDManager manager = ARRAYS.manager().newSubManager()) {
            assertError(() -> create(manager, 0, "length", Integer.toString(MODEL.geometry().maxPositions())), StandardErrorCode.INVALID_ARGUMENT,
                    "length = " + MODEL.geometry().maxPositions() + " (--prefix-length, --lengths or --set length): real tokens are numbered after the");
            assertError(() -> create(manager, 0, "mlp-width", "2000000000"), StandardErrorCode.OUT_OF_MEMORY, "mlp-width = 2000000000 (--mlp-width or --set mlp-width) makes");
            String context = String.join(",", Collections.nCopies(MODEL.geometry().maxPositions(), "5"));
            assertError(() -> create(manager, 0, "init-ids", "7", "init-context-ids", context), StandardErrorCode.INVALID_ARGUMENT,
                    "the " + MODEL.geometry().maxPositions() + " tokens of the context (init-context-ids or init-context-text) and the 1 of the init words are read");
            assertThat(((BaseNDManager) manager).getManagedArrays()).isEmpty();
        }
    }
}
