package io.github.peft4j.adapter.prefix;

import static io.github.peft4j.testing.AdapterTesting.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.github.peft4j.core.format.PrefixFiles;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.model.gpt2.Gpt2BackendProvider;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.ParameterEfficientAdapter;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.testing.AdapterTesting;
import io.github.peft4j.testing.BadAdapterFiles;
import io.github.peft4j.testing.EngineManager;
import io.github.peft4j.testing.FixtureFiles;
import io.github.peft4j.testing.TinyModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Prefix directories, starting files and sizes as a hostile user gives them: each a user error naming its cause, nothing allocated. */
final class TestPrefixBadInputs {
    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    @RegisterExtension
    static final TinyModel MODEL = new TinyModel(new Gpt2BackendProvider(), 3);

    private static final long[][] IDS = {{5, 17, 300, 42}};

    @TempDir
    Path directory;

    private final PrefixAdapterProvider provider = new PrefixAdapterProvider();

    private PrefixAdapter create(NDManager manager, String... settings) {
        return provider.create(provider.parseConfig(AdapterTesting.settings(settings)), new AdapterContext(MODEL.model(), manager, 1));
    }

    private static float[] logits(ParameterEfficientAdapter adapter, NDManager pass) {
        return MODEL.model().forward(ForwardInput.of(pass.create(IDS)), adapter.hooks(new ForwardContext(pass, 1, false))).toFloatArray();
    }

    @Test
    void float64PromptEmbeddingsLoadWithTheLogitsOfTheFloat32Ones() throws IOException {
        try (NDManager manager = ARRAYS.manager().newSubManager(); NDManager pass = ARRAYS.manager().newSubManager()) {
            Path float32 = directory.resolve("f32");
            try (PrefixAdapter adapter = create(manager, "length", "3", "mlp-width", "8")) {
                adapter.export(float32);
            }
            Path float64 = FixtureFiles.copyDirectory(float32, directory.resolve("f64"));
            BadAdapterFiles.retype(float64.resolve(PrefixFiles.PEFT_WEIGHTS), PrefixFiles.PROMPT_EMBEDDINGS, DataType.FLOAT64);
            AdapterContext context = new AdapterContext(MODEL.model(), manager, 0);
            try (PrefixAdapter single = provider.load(float32, context); PrefixAdapter dual = provider.load(float64, context)) {
                assertThat(logits(dual, pass)).containsExactly(logits(single, pass));
            }
        }
    }

    @Test
    void ownLayoutWithUnknownValuesIsRefusedNamingTheKey() throws IOException {
        try (NDManager manager = ARRAYS.manager().newSubManager()) {
            Path own = directory.resolve("own");
            Files.createDirectories(own);
            try (PrefixAdapter adapter = create(manager, "length", "2", "mlp-width", "0")) {
                SafetensorsWriter.write(own.resolve(PrefixFiles.PEFT_WEIGHTS), adapter.trainableParameters(), Map.of());
            }
            Path config = own.resolve(PrefixFiles.PEFT_CONFIG);
            AdapterContext context = new AdapterContext(MODEL.model(), manager, 0);
            Files.writeString(config, "{\"peft4j_method\": \"prefix\", \"parts\": \"peft\", \"positions\": \"sideways\"}");
            assertError(() -> provider.load(own, context), StandardErrorCode.MALFORMED_CONFIG,
                    config + " has \"positions\": \"sideways\"; expected peft or zero (as text)");
            Files.writeString(config, "{\"peft4j_method\": \"prefix\", \"parts\": 3}");
            assertError(() -> provider.load(own, context), StandardErrorCode.MALFORMED_CONFIG, config + " has \"parts\": 3; expected liliang or peft");
            Files.writeString(config, "{\"peft4j_method\": \"lora\"}");
            assertError(() -> provider.load(own, context), StandardErrorCode.MALFORMED_CONFIG, "has peft4j_method \"lora\"; the prefix method loads \"prefix\"");
            Files.writeString(config, "{\"peft4j_method\": \"prefix\",");
            assertError(() -> provider.load(own, context), StandardErrorCode.MALFORMED_CONFIG, config + " is not valid JSON (");
            Files.writeString(config, "{\"peft4j_method\": \"prefix\", \"parts\": \"peft\"}");
            try (PrefixAdapter loaded = provider.load(own, context)) {
                assertThat(loaded.prefixLength()).isEqualTo(2);
            }
        }
    }

    @Test
    void startingFilesWithBadTensorsAreRefusedNamingFileAndTensor() {
        try (NDManager manager = ARRAYS.manager().newSubManager(); NDManager files = ARRAYS.manager().newSubManager()) {
            Path start = directory.resolve("start.safetensors");
            try (PrefixAdapter adapter = create(manager, "length", "2", "mlp-width", "8")) {
                SafetensorsWriter.write(start, adapter.trainableParameters(), Map.of());
            }
            BadAdapterFiles.retype(start, "prefix_module.transform.0.weight", DataType.FLOAT64);
            try (PrefixAdapter widened = create(manager, "init-file", start.toString())) {
                assertThat(widened.mlpWidth()).isEqualTo(8);
            }
            BadAdapterFiles.setFirst(start, "prefix_module.transform.0.weight", Float.NaN);
            assertError(() -> create(manager, "init-file", start.toString()), StandardErrorCode.MALFORMED_CHECKPOINT,
                    "tensor 'prefix_module.transform.0.weight' of " + start + " holds 1 non-finite value");
            SafetensorsWriter.write(start, Map.of("prefix_module.embedding.weight", files.create(1f)), Map.of());
            assertError(() -> create(manager, "init-file", start.toString()), StandardErrorCode.SHAPE_MISMATCH,
                    "Tensor 'prefix_module.embedding.weight' of " + start + " has 0 dimensions []");
            BadAdapterFiles.writeRawTensor(start, "prefix_module.embedding.weight", "F32", "[4294967296, 0]", 0);
            assertError(() -> create(manager, "init-file", start.toString()), StandardErrorCode.MALFORMED_CHECKPOINT,
                    "'prefix_module.embedding.weight' of " + start);
            assertThat(((BaseNDManager) manager).getManagedArrays()).as("failed creations free what they made").isEmpty();
        }
    }

    @Test
    void liLiangsPartsOnADecoderOnlyModelAreRefused() {
        try (NDManager manager = ARRAYS.manager().newSubManager()) {
            assertError(() -> create(manager, "parts", "liliang"), StandardErrorCode.INVALID_ARGUMENT,
                    "parts=liliang prefixes an encoder-decoder model's encoder, decoder and cross-attention, but the gpt2 model is decoder-only; drop parts");
        }
    }

    @Test
    void sizesBeyondThePositionsOrMemoryAreRefusedByTheirOptionBeforeAllocating() {
        try (NDManager manager = ARRAYS.manager().newSubManager()) {
            int positions = MODEL.geometry().maxPositions();
            assertError(() -> create(manager, "length", Integer.toString(positions)), StandardErrorCode.INVALID_ARGUMENT, "length = " + positions
                    + " (--prefix-length, --lengths or --set length): real tokens are numbered after the " + positions + " virtual tokens, but the model has " + positions + " positions");
            assertError(() -> create(manager, "length", "2000000000", "mlp-width", "0", "positions", "zero"), StandardErrorCode.OUT_OF_MEMORY,
                    "length = 2000000000 (--prefix-length, --lengths or --set length) makes 'embedding.weight' [2000000000, "
                            + 2 * MODEL.geometry().decoderLayers() * MODEL.geometry().hiddenSize() + "]");
            assertError(() -> create(manager, "mlp-width", "2000000000"), StandardErrorCode.OUT_OF_MEMORY,
                    "mlp-width = 2000000000 (--mlp-width or --set mlp-width) makes 'transform.2.weight'");
            assertError(() -> create(manager, "init-ids", "5", "mlp-width", "2000000000"), StandardErrorCode.OUT_OF_MEMORY, "lower mlp-width (--mlp-width or --set mlp-width)");
            String words = String.join(",", Collections.nCopies(positions + 1, "5"));
            assertError(() -> create(manager, "init-ids", words, "positions", "zero"), StandardErrorCode.INVALID_ARGUMENT,
                    "the " + (positions + 1) + " tokens of the init words are read by the model in one pass");
            assertThat(((BaseNDManager) manager).getManagedArrays()).isEmpty();
        }
    }
}
