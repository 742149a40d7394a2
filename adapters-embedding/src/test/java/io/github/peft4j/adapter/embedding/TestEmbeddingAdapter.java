package io.github.peft4j.adapter.embedding;

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
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.core.training.TokenTargets;
import io.github.peft4j.model.gpt2.Gpt2BackendProvider;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.InjectionPoint;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.testing.AdapterTesting;
import io.github.peft4j.testing.BadAdapterFiles;
import io.github.peft4j.testing.EngineManager;
import io.github.peft4j.testing.FixtureFiles;
import io.github.peft4j.testing.TinyModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Embedding-only tuning on the golden GPT-2: the prepending property, shapes, memory, gradients, export and load, errors. */
final class TestEmbeddingAdapter {
    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    @RegisterExtension
    static final TinyModel MODEL = TinyModel.golden(new Gpt2BackendProvider());

    private static final long[][] IDS = {{5, 17, 300, 42, 9, 610}, {7, 7, 1, 2, 3, 999}};

    @TempDir
    Path directory;

    private final EmbeddingAdapterProvider provider = new EmbeddingAdapterProvider();

    private EmbeddingAdapter create(NDManager manager, long seed, String... settings) {
        return provider.create(provider.parseConfig(AdapterTesting.settings(settings)), new AdapterContext(MODEL.model(), manager, seed));
    }

    private static NDArray logits(AdapterHooks hooks, NDManager pass) {
        return MODEL.model().forward(ForwardInput.of(pass.create(IDS)), hooks);
    }

    @Test
    void embeddingsInitialisedFromRealTokensGiveTheLogitsOfPrependingThem() {
        long[] words = {464, 3, 77};
        try (NDManager manager = ARRAYS.manager().newSubManager(); EmbeddingAdapter adapter = create(manager, 1, "init-ids", "464,3,77", "mlp-width", "0");
                NDManager pass = ARRAYS.manager().newSubManager()) {
            assertThat(adapter.length()).isEqualTo(3);
            NDArray adapted = logits(adapter.hooks(new ForwardContext(pass, IDS.length, false)), pass);
            long[][] prepended = new long[IDS.length][];
            for (int row = 0; row < IDS.length; row++) {
                prepended[row] = new long[words.length + IDS[row].length];
                System.arraycopy(words, 0, prepended[row], 0, words.length);
                System.arraycopy(IDS[row], 0, prepended[row], words.length, IDS[row].length);
            }
            NDArray reference = MODEL.model().forward(ForwardInput.of(pass.create(prepended)), AdapterHooks.NONE);
            assertThat(adapted.getShape()).isEqualTo(new Shape(IDS.length, IDS[0].length, MODEL.geometry().vocabSize()));
            assertThat(adapted.toFloatArray()).containsExactly(reference.get(new NDIndex(":, {}:, :", words.length)).toFloatArray(), offset(1e-4f));
        }
    }

    @Test
    void aLengthOtherThanTheWordsRepeatsThemAsPeftDoes() {
        try (NDManager manager = ARRAYS.manager().newSubManager(); EmbeddingAdapter adapter = create(manager, 1, "init-ids", "464,3", "length", "5",
                "mlp-width", "0"); NDManager pass = ARRAYS.manager().newSubManager()) {
            float[] rows = adapter.trainableParameters().get("prompt_module.embedding.weight").toFloatArray();
            float[] expected = MODEL.model().tokenEmbeddings(pass.create(new long[] {464, 3, 464, 3, 464})).toFloatArray();
            assertThat(rows).containsExactly(expected);
        }
    }

    @Test
    void wordsInitWithAnMlpFitsTheMlpToTheWordsEmbeddings() {
        try (NDManager manager = ARRAYS.manager().newSubManager(); EmbeddingAdapter fitted = create(manager, 4, "init-ids", "464,3,77", "mlp-width", "16");
                EmbeddingAdapter unfitted = create(manager, 4, "length", "3", "mlp-width", "16"); NDManager pass = ARRAYS.manager().newSubManager()) {
            float[] target = MODEL.model().tokenEmbeddings(pass.create(new long[] {464, 3, 77})).toFloatArray();
            double before = meanSquaredError(embeddings(unfitted, pass), target);
            double after = meanSquaredError(embeddings(fitted, pass), target);
            assertThat(after).as("MSE to the words' embeddings after the fit (%s before)", before).isLessThan(before / 2);
            fitted.trainableParameters().forEach((name, parameter) -> assertThat(parameter.hasGradient()).as(name).isFalse());
        }
    }

    private static float[] embeddings(EmbeddingAdapter adapter, NDManager pass) {
        return adapter.hooks(new ForwardContext(pass, 1, false)).inputEmbeddings(Stack.DECODER).orElseThrow().toFloatArray();
    }

    private static double meanSquaredError(float[] actual, float[] target) {
        double sum = 0;
        for (int i = 0; i < target.length; i++) {
            sum += (actual[i] - target[i]) * (double) (actual[i] - target[i]);
        }
        return sum / target.length;
    }

    @Test
    void parametersFollowPkAndDAndCountTheExportedForm() {
        int d = MODEL.geometry().hiddenSize();
        try (NDManager manager = ARRAYS.manager().newSubManager(); EmbeddingAdapter mlp = create(manager, 1, "length", "4", "mlp-width", "16");
                EmbeddingAdapter flat = create(manager, 1, "length", "4", "mlp-width", "0"); EmbeddingAdapter defaults = create(manager, 1)) {
            Map<String, Shape> shapes = new LinkedHashMap<>();
            mlp.trainableParameters().forEach((name, parameter) -> shapes.put(name, parameter.getShape()));
            assertThat(shapes).containsExactly(
                    Map.entry("prompt_module.embedding.weight", new Shape(4, d)),
                    Map.entry("prompt_module.transform.0.weight", new Shape(16, d)),
                    Map.entry("prompt_module.transform.0.bias", new Shape(16)),
                    Map.entry("prompt_module.transform.2.weight", new Shape(d, 16)),
                    Map.entry("prompt_module.transform.2.bias", new Shape(d)));
            assertThat(flat.trainableParameters()).containsOnlyKeys("prompt_module.embedding.weight");
            assertThat(mlp.exportedParameterCount()).isEqualTo(4L * d).isEqualTo(flat.exportedParameterCount());
            assertThat(defaults.length()).isEqualTo(EmbeddingConfig.DEFAULT_LENGTH);
            assertThat(defaults.mlpWidth()).isEqualTo(EmbeddingConfig.DEFAULT_MLP_WIDTH);
            assertThat(mlp.method()).isEqualTo("embedding");
        }
    }

    @Test
    void hooksGiveBroadcastEmbeddingsInThePassManagerAndNumberTokensAfterThem() {
        try (NDManager manager = ARRAYS.manager().newSubManager(); EmbeddingAdapter adapter = create(manager, 1, "length", "3", "mlp-width", "16");
                NDManager pass = ARRAYS.manager().newSubManager()) {
            AdapterHooks hooks = adapter.hooks(new ForwardContext(pass, 2, true));
            NDArray embeddings = hooks.inputEmbeddings(Stack.DECODER).orElseThrow();
            assertThat(embeddings.getShape()).isEqualTo(new Shape(1, 3, MODEL.geometry().hiddenSize()));
            assertThat(embeddings.getManager()).isSameAs(pass);
            assertThat(hooks.positionOffset(Stack.DECODER)).isEqualTo(3);
            assertThat(hooks.inputEmbeddings(Stack.ENCODER)).isEmpty();
            assertThat(hooks.positionOffset(Stack.ENCODER)).isZero();
        }
    }

    @Test
    void repeatedPassesLeaveNoArraysInTheAdapterManager() {
        try (NDManager manager = ARRAYS.manager().newSubManager(); EmbeddingAdapter adapter = create(manager, 1, "length", "3", "mlp-width", "16")) {
            int before = ((BaseNDManager) manager).getManagedArrays().size();
            assertThat(before).as("only the parameters").isEqualTo(adapter.trainableParameters().size());
            for (int pass = 0; pass < 20; pass++) {
                try (NDManager arrays = ARRAYS.manager().newSubManager()) {
                    logits(adapter.hooks(new ForwardContext(arrays, IDS.length, pass % 2 == 0)), arrays);
                }
            }
            assertThat(((BaseNDManager) manager).getManagedArrays()).hasSize(before);
        }
    }

    @Test
    void gradientsReachEveryParameterAndTheBaseModelStaysBitIdentical() {
        Map<String, byte[]> baseBefore = new LinkedHashMap<>();
        MODEL.model().baseParameters().forEach((name, weight) -> baseBefore.put(name, weight.toByteArray()));
        try (NDManager manager = ARRAYS.manager().newSubManager(); EmbeddingAdapter adapter = create(manager, 1, "length", "3", "mlp-width", "16");
                NDManager pass = ARRAYS.manager().newSubManager()) {
            adapter.trainableParameters().values().forEach(parameter -> parameter.setRequiresGradient(true));
            try (GradientCollector collector = pass.getEngine().newGradientCollector()) {
                collector.backward(TokenTargets.shifted(IDS).meanLoss(logits(adapter.hooks(new ForwardContext(pass, IDS.length, true)), pass)));
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
    void exportWritesAPeftPromptTuningDirectoryThatLoadsBackWithTheSameLogits() throws IOException {
        try (NDManager manager = ARRAYS.manager().newSubManager(); EmbeddingAdapter adapter = create(manager, 5, "length", "3", "mlp-width", "16");
                NDManager pass = ARRAYS.manager().newSubManager()) {
            float[] expected = logits(adapter.hooks(new ForwardContext(pass, IDS.length, false)), pass).toFloatArray();
            adapter.export(directory);

            JsonNode config = new ObjectMapper().readTree(directory.resolve("adapter_config.json").toFile());
            assertThat(config.get("peft_type").asText()).isEqualTo("PROMPT_TUNING");
            assertThat(config.get("task_type").asText()).isEqualTo("CAUSAL_LM");
            assertThat(config.get("num_virtual_tokens").asInt()).isEqualTo(3);
            assertThat(config.get("token_dim").asInt()).isEqualTo(MODEL.geometry().hiddenSize());
            assertThat(config.get("num_transformer_submodules").asInt()).isEqualTo(1);
            assertThat(config.get("num_layers").asInt()).isEqualTo(MODEL.geometry().decoderLayers());
            assertThat(config.get("num_attention_heads").asInt()).isEqualTo(MODEL.geometry().heads());
            assertThat(config.get("prompt_tuning_init").asText()).isEqualTo("RANDOM");
            assertThat(config.get("base_model_name_or_path").asText()).isEqualTo("gpt2");
            try (SafetensorsFile weights = SafetensorsFile.open(directory.resolve("adapter_model.safetensors"))) {
                assertThat(weights.names()).containsExactly("prompt_embeddings");
                assertThat(weights.info("prompt_embeddings").shape()).isEqualTo(new Shape(3, MODEL.geometry().hiddenSize()));
            }

            try (EmbeddingAdapter loaded = provider.load(directory, new AdapterContext(MODEL.model(), manager, 0))) {
                assertThat(loaded.trainableParameters()).containsOnlyKeys("prompt_module.embedding.weight");
                assertThat(loaded.exportedParameterCount()).isEqualTo(adapter.exportedParameterCount());
                assertThat(logits(loaded.hooks(new ForwardContext(pass, IDS.length, false)), pass).toFloatArray()).containsExactly(expected, offset(1e-5f));
                try (EmbeddingAdapter recreated = provider.create(provider.parseConfig(loaded.config().toSettings()), new AdapterContext(MODEL.model(), manager, 9))) {
                    assertThat(recreated.trainableParameters().get("prompt_module.embedding.weight").toFloatArray())
                            .containsExactly(loaded.trainableParameters().get("prompt_module.embedding.weight").toFloatArray());
                }
            }
        }
    }

    @Test
    void trainableTensorsSavedToAFileStartANewAdapter() {
        try (NDManager manager = ARRAYS.manager().newSubManager(); EmbeddingAdapter adapter = create(manager, 5, "length", "2", "mlp-width", "8")) {
            Path file = directory.resolve("start.safetensors");
            SafetensorsWriter.write(file, adapter.trainableParameters(), Map.of());
            try (EmbeddingAdapter started = create(manager, 0, "init-file", file.toString())) {
                assertThat(started.mlpWidth()).isEqualTo(8);
                adapter.trainableParameters().forEach((name, parameter) ->
                        assertThat(started.trainableParameters().get(name).toFloatArray()).as(name).containsExactly(parameter.toFloatArray()));
            }
        }
    }

    @Test
    void randomInitIsSeeded() {
        try (NDManager manager = ARRAYS.manager().newSubManager(); EmbeddingAdapter one = create(manager, 1, "length", "2", "mlp-width", "8");
                EmbeddingAdapter same = create(manager, 1, "length", "2", "mlp-width", "8"); EmbeddingAdapter other = create(manager, 2, "length", "2", "mlp-width", "8")) {
            one.trainableParameters().forEach((name, parameter) -> {
                assertThat(same.trainableParameters().get(name).toFloatArray()).as(name).containsExactly(parameter.toFloatArray());
                assertThat(other.trainableParameters().get(name).toFloatArray()).as(name).isNotEqualTo(parameter.toFloatArray());
            });
        }
    }

    @Test
    void backendsAndStartingPointsThatDoNotFitAreRefused() {
        ModelBackend prefixOnly = AdapterTesting.stubBackend(MODEL.geometry(), Set.of(InjectionPoint.ATTENTION_PREFIX));
        assertError(() -> provider.create(EmbeddingConfig.defaults(), new AdapterContext(prefixOnly, ARRAYS.manager(), 0)),
                StandardErrorCode.UNSUPPORTED_INJECTION_POINT, "INPUT_EMBEDDINGS");
        try (NDManager manager = ARRAYS.manager().newSubManager(); NDManager files = ARRAYS.manager().newSubManager()) {
            assertError(() -> create(manager, 0, "init-ids", "5," + MODEL.geometry().vocabSize()), StandardErrorCode.INVALID_ARGUMENT, "vocabulary");
            assertError(() -> create(manager, 0, "init-text", "hello"), StandardErrorCode.INVALID_ARGUMENT, "init-ids");
            assertError(() -> create(manager, 0, "init-file", directory.resolve("absent.safetensors").toString()), StandardErrorCode.FILE_NOT_FOUND, "absent");
            Path unrelated = directory.resolve("unrelated.safetensors");
            SafetensorsWriter.write(unrelated, Map.of("weights", files.zeros(new Shape(2))), Map.of());
            assertError(() -> create(manager, 0, "init-file", unrelated.toString()), StandardErrorCode.MISSING_TENSOR, "prompt_module.embedding.weight");

            AdapterContext context = new AdapterContext(MODEL.model(), manager, 0);
            AtomicFiles.writeString(directory.resolve("prefix/adapter_config.json"), "{\"peft_type\": \"PREFIX_TUNING\", \"task_type\": \"CAUSAL_LM\"}");
            SafetensorsWriter.write(directory.resolve("prefix/adapter_model.safetensors"), Map.of("prompt_embeddings", files.zeros(new Shape(2, 8))), Map.of());
            assertError(() -> provider.load(directory.resolve("prefix"), context), StandardErrorCode.MALFORMED_CONFIG, "PREFIX_TUNING");
            assertError(() -> provider.load(directory.resolve("prefix/adapter_config.json"), context), StandardErrorCode.FILE_NOT_FOUND, "not a directory");
            AtomicFiles.writeString(directory.resolve("wide/adapter_config.json"),
                    "{\"peft_type\": \"PROMPT_TUNING\", \"task_type\": \"CAUSAL_LM\", \"token_dim\": 768, \"num_virtual_tokens\": 2}");
            SafetensorsWriter.write(directory.resolve("wide/adapter_model.safetensors"), Map.of("prompt_embeddings", files.zeros(new Shape(2, 768))), Map.of());
            assertError(() -> provider.load(directory.resolve("wide"), context), StandardErrorCode.SHAPE_MISMATCH, "token_dim");
            assertThat(((BaseNDManager) manager).getManagedArrays()).as("failed creations free what they made").isEmpty();
        }
    }

    @Test
    void float64PromptEmbeddingsLoadWithTheLogitsOfTheFloat32Ones() throws IOException {
        try (NDManager manager = ARRAYS.manager().newSubManager(); EmbeddingAdapter adapter = create(manager, 5, "length", "3", "mlp-width", "0");
                NDManager pass = ARRAYS.manager().newSubManager()) {
            Path float32 = directory.resolve("f32");
            adapter.export(float32);
            Path float64 = FixtureFiles.copyDirectory(float32, directory.resolve("f64"));
            BadAdapterFiles.retype(float64.resolve("adapter_model.safetensors"), "prompt_embeddings", DataType.FLOAT64);
            try (SafetensorsFile weights = SafetensorsFile.open(float64.resolve("adapter_model.safetensors"))) {
                assertThat(weights.info("prompt_embeddings").dtype()).isEqualTo("F64");
            }
            try (EmbeddingAdapter single = provider.load(float32, new AdapterContext(MODEL.model(), manager, 0));
                    EmbeddingAdapter dual = provider.load(float64, new AdapterContext(MODEL.model(), manager, 0))) {
                float[] expected = logits(single.hooks(new ForwardContext(pass, IDS.length, false)), pass).toFloatArray();
                assertThat(logits(dual.hooks(new ForwardContext(pass, IDS.length, false)), pass).toFloatArray()).containsExactly(expected);
            }
        }
    }

    @Test
    void corruptDirectoriesAndStartingFilesAreRefusedNamingFileAndTensor() throws IOException {
        try (NDManager manager = ARRAYS.manager().newSubManager()) {
            AdapterContext context = new AdapterContext(MODEL.model(), manager, 0);
            Path good = directory.resolve("good");
            try (EmbeddingAdapter adapter = create(manager, 5, "length", "3", "mlp-width", "8")) {
                adapter.export(good);
                SafetensorsWriter.write(directory.resolve("start.safetensors"), adapter.trainableParameters(), Map.of());
            }
            Path nan = FixtureFiles.copyDirectory(good, directory.resolve("nan"));
            BadAdapterFiles.setFirst(nan.resolve("adapter_model.safetensors"), "prompt_embeddings", Float.NaN);
            assertError(() -> provider.load(nan, context), StandardErrorCode.MALFORMED_CHECKPOINT,
                    "tensor 'prompt_embeddings' of " + nan.resolve("adapter_model.safetensors") + " holds 1 non-finite value");
            Path integers = FixtureFiles.copyDirectory(good, directory.resolve("integers"));
            BadAdapterFiles.retype(integers.resolve("adapter_model.safetensors"), "prompt_embeddings", DataType.INT64);
            assertError(() -> provider.load(integers, context), StandardErrorCode.MALFORMED_CHECKPOINT, "holds I64 values; an adapter's tensors are floating point");
            Path task = FixtureFiles.copyDirectory(good, directory.resolve("task"));
            BadAdapterFiles.editConfig(task.resolve("adapter_config.json"), json -> json.put("task_type", "TOKEN_CLS"));
            assertError(() -> provider.load(task, context), StandardErrorCode.MALFORMED_CONFIG, "has \"task_type\": \"TOKEN_CLS\"; expected \"CAUSAL_LM\"");
            Path submodules = FixtureFiles.copyDirectory(good, directory.resolve("submodules"));
            BadAdapterFiles.editConfig(submodules.resolve("adapter_config.json"), json -> json.put("num_transformer_submodules", "two"));
            assertError(() -> provider.load(submodules, context), StandardErrorCode.MALFORMED_CONFIG, "\"num_transformer_submodules\": \"two\"");
            Path tooLong = FixtureFiles.copyDirectory(good, directory.resolve("long"));
            BadAdapterFiles.editConfig(tooLong.resolve("adapter_config.json"), json -> json.put("num_virtual_tokens", MODEL.geometry().maxPositions()));
            assertError(() -> provider.load(tooLong, context), StandardErrorCode.INVALID_ARGUMENT, "says num_virtual_tokens = " + MODEL.geometry().maxPositions()
                    + ": real tokens are numbered after the");

            Path start = directory.resolve("start.safetensors");
            BadAdapterFiles.setFirst(start, "prompt_module.transform.2.bias", Float.NEGATIVE_INFINITY);
            assertError(() -> create(manager, 0, "init-file", start.toString()), StandardErrorCode.MALFORMED_CHECKPOINT,
                    "tensor 'prompt_module.transform.2.bias' of " + start + " holds 1 non-finite value");
            assertThat(((BaseNDManager) manager).getManagedArrays()).as("failed loads free what they made").isEmpty();
        }
    }

    @Test
    void sizesBeyondThePositionsOrMemoryAreRefusedByTheirOptionBeforeAllocating() {
        try (NDManager manager = ARRAYS.manager().newSubManager()) {
            assertError(() -> create(manager, 0, "length", Integer.toString(MODEL.geometry().maxPositions())), StandardErrorCode.INVALID_ARGUMENT,
                    "length = " + MODEL.geometry().maxPositions() + " (--prefix-length, --lengths or --set length): real tokens are numbered after the");
            assertError(() -> create(manager, 0, "length", "2000000000", "mlp-width", "0"), StandardErrorCode.INVALID_ARGUMENT, "lower length (--prefix-length, --lengths or --set length)");
            assertError(() -> create(manager, 0, "mlp-width", "2000000000"), StandardErrorCode.OUT_OF_MEMORY,
                    "mlp-width = 2000000000 (--mlp-width or --set mlp-width) makes 'transform.2.weight'");
            assertError(() -> create(manager, 0, "init-ids", "5", "length", "3000000000"), StandardErrorCode.INVALID_ARGUMENT,
                    "length = 3000000000 (--prefix-length, --lengths or --set length) is too large");
            assertThat(((BaseNDManager) manager).getManagedArrays()).isEmpty();
        }
    }
}
