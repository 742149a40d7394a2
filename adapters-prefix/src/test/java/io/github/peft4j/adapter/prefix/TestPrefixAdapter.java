package io.github.peft4j.adapter.prefix;

import static io.github.peft4j.testing.AdapterTesting.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.github.peft4j.core.format.LayerPrefixes;
import io.github.peft4j.core.format.PrefixFiles;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.core.training.TokenTargets;
import io.github.peft4j.model.gpt2.Gpt2BackendProvider;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.InjectionPoint;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.testing.AdapterTesting;
import io.github.peft4j.testing.EngineManager;
import io.github.peft4j.testing.Golden;
import io.github.peft4j.testing.TinyModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The adapter on a random tiny GPT-2: shapes, passes, dropout, memory, gradients, export and load, errors. */
final class TestPrefixAdapter {
    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    @RegisterExtension
    static final TinyModel MODEL = new TinyModel(new Gpt2BackendProvider(), 3);

    private static final long[][] IDS = {{5, 17, 300, 42, 9, 610}, {7, 7, 1, 2, 3, 999}};

    @TempDir
    Path directory;

    private final PrefixAdapterProvider provider = new PrefixAdapterProvider();

    private PrefixAdapter create(NDManager manager, long seed, String... settings) {
        return provider.create(provider.parseConfig(AdapterTesting.settings(settings)), new AdapterContext(MODEL.model(), manager, seed));
    }

    private static NDArray logits(AdapterHooks hooks, NDManager pass) {
        return MODEL.model().forward(ForwardInput.of(pass.create(IDS)), hooks);
    }

    @Test
    void parameterSizesFollowPkLAndD() {
        int d = MODEL.geometry().hiddenSize();
        int rowWidth = 2 * MODEL.geometry().decoderLayers() * d;
        try (NDManager manager = ARRAYS.manager().newSubManager();
                PrefixAdapter mlp = create(manager, 1, "length", "3", "mlp-width", "16");
                PrefixAdapter flat = create(manager, 1, "length", "3", "mlp-width", "0")) {
            Map<String, Shape> shapes = new LinkedHashMap<>();
            mlp.trainableParameters().forEach((name, parameter) -> shapes.put(name, parameter.getShape()));
            assertThat(shapes).containsExactly(
                    Map.entry("prefix_module.embedding.weight", new Shape(3, d)),
                    Map.entry("prefix_module.transform.0.weight", new Shape(16, d)),
                    Map.entry("prefix_module.transform.0.bias", new Shape(16)),
                    Map.entry("prefix_module.transform.2.weight", new Shape(rowWidth, 16)),
                    Map.entry("prefix_module.transform.2.bias", new Shape(rowWidth)));
            assertThat(flat.trainableParameters()).containsOnlyKeys("prefix_module.embedding.weight");
            assertThat(flat.trainableParameters().get("prefix_module.embedding.weight").getShape()).isEqualTo(new Shape(3, rowWidth));
            assertThat(mlp.exportedParameterCount()).isEqualTo(3L * rowWidth).isEqualTo(flat.exportedParameterCount());
            assertThat(mlp.method()).isEqualTo("prefix");
            assertThat(mlp.sites()).containsExactly(AttentionSite.DECODER_SELF);
        }
    }

    @Test
    void hooksGiveOneBroadcastPrefixPerLayerInThePassManager() {
        try (NDManager manager = ARRAYS.manager().newSubManager(); PrefixAdapter adapter = create(manager, 1, "length", "3", "mlp-width", "16");
                NDManager pass = ARRAYS.manager().newSubManager()) {
            AdapterHooks first = adapter.hooks(new ForwardContext(pass, 2, false));
            AdapterHooks second = adapter.hooks(new ForwardContext(pass, 2, true));
            for (int layer = 0; layer < MODEL.geometry().decoderLayers(); layer++) {
                KeyValuePrefix prefix = first.attentionPrefix(AttentionSite.DECODER_SELF, layer).orElseThrow();
                assertThat(prefix.keys().getShape()).isEqualTo(new Shape(1, MODEL.geometry().heads(), 3, MODEL.geometry().headDim()));
                assertThat(prefix.keys().getManager()).isSameAs(pass);
                assertThat(prefix.values().getManager()).isSameAs(pass);
                KeyValuePrefix again = second.attentionPrefix(AttentionSite.DECODER_SELF, layer).orElseThrow();
                assertThat(again.keys().toFloatArray()).containsExactly(prefix.keys().toFloatArray());
                assertThat(again.values().toFloatArray()).containsExactly(prefix.values().toFloatArray());
                assertThat(again.keys().toFloatArray()).isNotEqualTo(again.values().toFloatArray());
            }
            assertThat(first.attentionPrefix(AttentionSite.DECODER_SELF, MODEL.geometry().decoderLayers())).isEmpty();
            assertThat(first.attentionPrefix(AttentionSite.DECODER_CROSS, 0)).isEmpty();
            assertThat(first.positionOffset(Stack.DECODER)).isEqualTo(3);
        }
    }

    @Test
    void positionsZeroNumbersRealTokensFromZero() {
        try (NDManager manager = ARRAYS.manager().newSubManager(); PrefixAdapter peft = create(manager, 1, "length", "3", "mlp-width", "16");
                PrefixAdapter zero = create(manager, 1, "length", "3", "mlp-width", "16", "positions", "zero");
                NDManager pass = ARRAYS.manager().newSubManager()) {
            AdapterHooks zeroHooks = zero.hooks(new ForwardContext(pass, 2, false));
            assertThat(zeroHooks.positionOffset(Stack.DECODER)).isZero();
            assertThat(logits(zeroHooks, pass).toFloatArray()).isNotEqualTo(logits(peft.hooks(new ForwardContext(pass, 2, false)), pass).toFloatArray());
        }
    }

    /** An adapter of 3 virtual tokens and an MLP of 16 that drops half its prefix entries while training; the same every call (seed 1). */
    private PrefixAdapter halfDropout(NDManager manager) {
        return create(manager, 1, "length", "3", "mlp-width", "16", "dropout", "0.5");
    }

    @Test
    void dropoutMasksEachRowOnlyWhileTrainingAndIsSeeded() {
        try (NDManager manager = ARRAYS.manager().newSubManager();
                PrefixAdapter adapter = halfDropout(manager);
                PrefixAdapter twin = halfDropout(manager);
                NDManager pass = ARRAYS.manager().newSubManager()) {
            float[] evaluation = PrefixTesting.prefix(adapter, pass, 0).keys().toFloatArray();
            KeyValuePrefix training = adapter.hooks(new ForwardContext(pass, 2, true)).attentionPrefix(AttentionSite.DECODER_SELF, 0).orElseThrow();
            assertThat(training.keys().getShape()).isEqualTo(new Shape(2, MODEL.geometry().heads(), 3, MODEL.geometry().headDim()));
            float[] dropped = training.keys().toFloatArray();
            int zeros = 0;
            for (int i = 0; i < dropped.length; i++) {
                float kept = evaluation[i % evaluation.length];
                if (dropped[i] == 0f) {
                    zeros++;
                }
                else {
                    assertThat(dropped[i]).as("entry %d is kept and scaled by 1 / (1 - p)", i).isCloseTo(2 * kept, offset(1e-6f));
                }
            }
            assertThat(zeros).as("about half of %d entries dropped", dropped.length).isBetween(dropped.length * 2 / 5, dropped.length * 3 / 5);
            int half = evaluation.length;
            assertThat(Arrays.copyOf(dropped, half)).as("rows get their own masks").isNotEqualTo(Arrays.copyOfRange(dropped, half, 2 * half));

            float[] twinDropped = twin.hooks(new ForwardContext(pass, 2, true)).attentionPrefix(AttentionSite.DECODER_SELF, 0).orElseThrow().keys().toFloatArray();
            assertThat(twinDropped).as("same seed, same masks").containsExactly(dropped);
            float[] next = adapter.hooks(new ForwardContext(pass, 2, true)).attentionPrefix(AttentionSite.DECODER_SELF, 0).orElseThrow().keys().toFloatArray();
            assertThat(next).as("a new pass draws new masks").isNotEqualTo(dropped);
            assertThat(PrefixTesting.prefix(adapter, pass, 0).keys().toFloatArray()).as("evaluation is unaffected").containsExactly(evaluation);
        }
    }

    @Test
    void aPassWithASeedDrawsItsMasksFromThatSeedAlone() {
        try (NDManager manager = ARRAYS.manager().newSubManager();
                PrefixAdapter adapter = halfDropout(manager);
                PrefixAdapter fresh = halfDropout(manager);
                NDManager pass = ARRAYS.manager().newSubManager()) {
            adapter.hooks(new ForwardContext(pass, 2, true)); // advances the adapter's own generator

            float[] seeded = keys(adapter, pass, OptionalLong.of(42));
            assertThat(keys(fresh, pass, OptionalLong.of(42))).as("what came before does not matter (a resumed run)").containsExactly(seeded);
            assertThat(keys(adapter, pass, OptionalLong.of(42))).as("the same seed again").containsExactly(seeded);
            assertThat(keys(adapter, pass, OptionalLong.of(43))).as("another seed, other masks").isNotEqualTo(seeded);
        }
    }

    private static float[] keys(PrefixAdapter adapter, NDManager pass, OptionalLong seed) {
        return adapter.hooks(new ForwardContext(pass, 2, true, seed)).attentionPrefix(AttentionSite.DECODER_SELF, 0).orElseThrow().keys().toFloatArray();
    }

    @Test
    void passesLeaveNoArraysInTheAdapterManager() {
        try (NDManager manager = ARRAYS.manager().newSubManager();
                PrefixAdapter adapter = create(manager, 1, "length", "3", "mlp-width", "16", "dropout", "0.1")) {
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
        try (NDManager manager = ARRAYS.manager().newSubManager();
                PrefixAdapter adapter = create(manager, 1, "length", "3", "mlp-width", "16", "dropout", "0.1");
                NDManager pass = ARRAYS.manager().newSubManager()) {
            adapter.trainableParameters().values().forEach(parameter -> parameter.setRequiresGradient(true));
            try (GradientCollector collector = pass.getEngine().newGradientCollector()) {
                NDArray logits = logits(adapter.hooks(new ForwardContext(pass, IDS.length, true)), pass);
                collector.backward(TokenTargets.shifted(IDS).meanLoss(logits));
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
    void exportAppliesTheMlpAndLoadsBackWithTheSameLogits() {
        try (NDManager manager = ARRAYS.manager().newSubManager(); PrefixAdapter adapter = create(manager, 5, "length", "3", "mlp-width", "16");
                NDManager pass = ARRAYS.manager().newSubManager()) {
            float[] expected = logits(adapter.hooks(new ForwardContext(pass, IDS.length, false)), pass).toFloatArray();
            adapter.export(directory);

            LayerPrefixes exported = PrefixFiles.readPeftDirectory(directory, pass, MODEL.geometry());
            assertThat(exported.length()).isEqualTo(3);
            assertThat(exported.positionOffset()).isEqualTo(3);
            try (PrefixAdapter loaded = provider.load(directory, new AdapterContext(MODEL.model(), manager, 0))) {
                assertThat(loaded.trainableParameters()).containsOnlyKeys("prefix_module.embedding.weight");
                assertThat(loaded.trainableParameters().get("prefix_module.embedding.weight").toFloatArray()).containsExactly(exported.toRows().toFloatArray());
                assertThat(loaded.exportedParameterCount()).isEqualTo(adapter.exportedParameterCount());
                assertThat(logits(loaded.hooks(new ForwardContext(pass, IDS.length, false)), pass).toFloatArray()).containsExactly(expected, offset(1e-5f));

                try (PrefixAdapter recreated = provider.create(provider.parseConfig(loaded.config().toSettings()), new AdapterContext(MODEL.model(), manager, 9))) {
                    assertThat(recreated.trainableParameters().get("prefix_module.embedding.weight").toFloatArray())
                            .containsExactly(loaded.trainableParameters().get("prefix_module.embedding.weight").toFloatArray());
                }
            }
        }
    }

    @Test
    void randomInitIsTorchsDefaultAndSeeded() {
        try (NDManager manager = ARRAYS.manager().newSubManager(); PrefixAdapter mlp = create(manager, 1);
                PrefixAdapter same = create(manager, 1); PrefixAdapter other = create(manager, 2);
                PrefixAdapter flat = create(manager, 1, "mlp-width", "0")) {
            assertThat(mlp.prefixLength()).isEqualTo(PrefixConfig.DEFAULT_LENGTH);
            assertThat(mlp.mlpWidth()).isEqualTo(PrefixConfig.DEFAULT_MLP_WIDTH);
            Map<String, NDArray> parameters = mlp.trainableParameters();
            assertStandardNormal(parameters.get("prefix_module.embedding.weight").toFloatArray());
            assertStandardNormal(flat.trainableParameters().get("prefix_module.embedding.weight").toFloatArray());
            double hiddenBound = 1 / Math.sqrt(MODEL.geometry().hiddenSize());
            double outputBound = 1 / Math.sqrt(PrefixConfig.DEFAULT_MLP_WIDTH);
            assertUniform(parameters.get("prefix_module.transform.0.weight").toFloatArray(), hiddenBound);
            assertUniform(parameters.get("prefix_module.transform.0.bias").toFloatArray(), hiddenBound);
            assertUniform(parameters.get("prefix_module.transform.2.weight").toFloatArray(), outputBound);
            assertUniform(parameters.get("prefix_module.transform.2.bias").toFloatArray(), outputBound);

            parameters.forEach((name, parameter) -> {
                assertThat(same.trainableParameters().get(name).toFloatArray()).as(name).isEqualTo(parameter.toFloatArray());
                assertThat(other.trainableParameters().get(name).toFloatArray()).as(name).isNotEqualTo(parameter.toFloatArray());
            });
        }
    }

    private static void assertStandardNormal(float[] values) {
        double mean = Arrays.stream(toDoubles(values)).average().orElseThrow();
        double variance = Arrays.stream(toDoubles(values)).map(v -> (v - mean) * (v - mean)).average().orElseThrow();
        assertThat(mean).as("mean of N(0, 1) over %d values", values.length).isCloseTo(0, offset(0.15));
        assertThat(Math.sqrt(variance)).as("std of N(0, 1) over %d values", values.length).isCloseTo(1, offset(0.1));
    }

    private static void assertUniform(float[] values, double bound) {
        double largest = 0;
        for (float value : values) {
            largest = Math.max(largest, Math.abs(value));
        }
        assertThat(largest).as("U(-%s, %s) over %d values stays within and reaches near the bound", bound, bound, values.length)
                .isLessThanOrEqualTo(bound)
                .isGreaterThan(0.9 * bound);
    }

    private static double[] toDoubles(float[] values) {
        double[] doubles = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            doubles[i] = values[i];
        }
        return doubles;
    }

    @Test
    void wordsInitWithAnMlpFitsTheMlpToTheWords() {
        long[] words = {5, 17, 300};
        try (NDManager manager = ARRAYS.manager().newSubManager();
                PrefixAdapter fitted = create(manager, 4, "init-ids", "5,17,300", "mlp-width", "16");
                PrefixAdapter unfitted = create(manager, 4, "length", "3", "mlp-width", "16");
                NDManager pass = ARRAYS.manager().newSubManager()) {
            float[] target = new LayerPrefixes(AttentionSite.DECODER_SELF,
                    MODEL.model().keyValues(pass.create(words, new Shape(1, words.length)), AttentionSite.DECODER_SELF), 0).toRows().toFloatArray();
            double before = meanSquaredError(rows(unfitted, pass), target);
            double after = meanSquaredError(rows(fitted, pass), target);

            assertThat(after).as("MSE to the words' keys/values after the fit (%s before)", before).isLessThan(before / 2);
            fitted.trainableParameters().forEach((name, parameter) -> assertThat(parameter.hasGradient()).as(name).isFalse());
        }
    }

    private static float[] rows(PrefixAdapter adapter, NDManager pass) {
        List<KeyValuePrefix> layers = new ArrayList<>();
        for (int layer = 0; layer < MODEL.geometry().decoderLayers(); layer++) {
            layers.add(PrefixTesting.prefix(adapter, pass, layer));
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
    void aBackendWithoutAttentionPrefixIsRefused() {
        ModelBackend embeddingsOnly = AdapterTesting.stubBackend(MODEL.geometry(), Set.of(InjectionPoint.INPUT_EMBEDDINGS));
        assertError(() -> provider.create(PrefixConfig.defaults(), new AdapterContext(embeddingsOnly, ARRAYS.manager(), 0)),
                StandardErrorCode.UNSUPPORTED_INJECTION_POINT, "ATTENTION_PREFIX");
    }

    @Test
    void startingPointsThatDoNotFitAreRefused() {
        Path mlpInit = Golden.resolve("train/gpt2_mlp/init.safetensors");
        try (NDManager manager = ARRAYS.manager().newSubManager(); NDManager files = ARRAYS.manager().newSubManager()) {
            assertError(() -> create(manager, 0, "init-ids", "5," + MODEL.geometry().vocabSize()), StandardErrorCode.INVALID_ARGUMENT, "vocabulary");
            assumeThat(MODEL.model().tokenizer()).as("the random model has no tokenizer files").isEmpty();
            assertError(() -> create(manager, 0, "init-text", "hello"), StandardErrorCode.INVALID_ARGUMENT, "init-ids");
            assertError(() -> create(manager, 0, "init-file", mlpInit.toString(), "length", "7"), StandardErrorCode.INVALID_ARGUMENT, "length = 7");
            assertError(() -> create(manager, 0, "init-file", mlpInit.toString(), "mlp-width", "0"), StandardErrorCode.INVALID_ARGUMENT, "mlp-width = 0");
            assertError(() -> create(manager, 0, "init-file", directory.resolve("absent.safetensors").toString()), StandardErrorCode.FILE_NOT_FOUND, "absent");

            Path partial = directory.resolve("partial.safetensors");
            SafetensorsWriter.write(partial, Map.of(
                    "prefix_module.embedding.weight", files.zeros(new Shape(2, MODEL.geometry().hiddenSize())),
                    "prefix_module.transform.0.weight", files.zeros(new Shape(8, MODEL.geometry().hiddenSize()))), Map.of());
            assertError(() -> create(manager, 0, "init-file", partial.toString()), StandardErrorCode.MISSING_TENSOR, "prefix_module.transform.0.bias");
            Path unrelated = directory.resolve("unrelated.safetensors");
            SafetensorsWriter.write(unrelated, Map.of("weights", files.zeros(new Shape(2))), Map.of());
            assertError(() -> create(manager, 0, "init-file", unrelated.toString()), StandardErrorCode.MISSING_TENSOR, "prefix_module.embedding.weight");

            assertThat(((BaseNDManager) manager).getManagedArrays()).as("failed creations free what they made").isEmpty();
        }
    }

    @Test
    void loadAndExportRefuseWhatThePeftFormatCannotHold() {
        try (NDManager manager = ARRAYS.manager().newSubManager();
                PrefixAdapter zero = create(manager, 0, "length", "2", "mlp-width", "0", "positions", "zero")) {
            AtomicFiles.writeString(directory.resolve("lora/adapter_config.json"), "{\"peft_type\": \"LORA\", \"task_type\": \"CAUSAL_LM\"}");
            SafetensorsWriter.write(directory.resolve("lora/adapter_model.safetensors"), Map.of("lora_A", manager.zeros(new Shape(2))), Map.of());
            AdapterContext context = new AdapterContext(MODEL.model(), manager, 0);
            assertError(() -> provider.load(directory.resolve("lora/adapter_config.json"), context), StandardErrorCode.FILE_NOT_FOUND, "not a directory");
            assertError(() -> provider.load(directory.resolve("lora"), context), StandardErrorCode.MALFORMED_CONFIG, "LORA");
            assertError(() -> zero.export(directory.resolve("export")), StandardErrorCode.INVALID_ARGUMENT, "positions=zero");
        }
    }
}
