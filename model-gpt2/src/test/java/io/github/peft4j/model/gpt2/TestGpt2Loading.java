package io.github.peft4j.model.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.core.safetensors.SafetensorsFixtures;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.SpecialTokens;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint variants real users have, and every way a model directory can be broken. */
final class TestGpt2Loading {
    private static final long[][] IDS = {{1, 5, 900, 42, 7}};

    private final NDManager manager = NDManager.newBaseManager("PyTorch");

    @TempDir
    Path directory;

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void acceptsTransformerPrefixedNamesAndIgnoresBuffersAndTiedHead() {
        Map<String, NDArray> renamed = new LinkedHashMap<>();
        try (SafetensorsFile golden = SafetensorsFile.open(GoldenCase.model().resolve("model.safetensors"))) {
            golden.names().forEach(name -> renamed.put("transformer." + name, golden.load(name, manager)));
            renamed.put("lm_head.weight", golden.load("wte.weight", manager));
        }
        copyConfig();
        SafetensorsWriter.write(directory.resolve("model.safetensors"), renamed, Map.of("format", "pt"));

        assertThat(logits(directory)).containsExactly(logits(GoldenCase.model()), offset(0f));
    }

    @Test
    void halfPrecisionCheckpointsAreWidenedAndCloseToFloat32() {
        float[] reference = logits(GoldenCase.model());
        for (boolean bfloat16 : new boolean[] {false, true}) {
            copyConfig();
            SafetensorsFixtures.writeAsHalf(GoldenCase.model().resolve("model.safetensors"), directory.resolve("model.safetensors"), bfloat16);
            float[] half = logits(directory);
            // bf16 keeps 8 bits of mantissa: logits (std ~2) move by a few hundredths at most.
            float tolerance = bfloat16 ? 0.1f : 0.01f;
            assertThat(half).as(bfloat16 ? "bf16" : "f16").containsExactly(reference, offset(tolerance));
        }
    }

    @Test
    void shardedCheckpointLoads() {
        copyConfig();
        Map<String, NDArray> first = new LinkedHashMap<>();
        Map<String, NDArray> second = new LinkedHashMap<>();
        StringBuilder index = new StringBuilder("{\"metadata\":{},\"weight_map\":{");
        try (SafetensorsFile golden = SafetensorsFile.open(GoldenCase.model().resolve("model.safetensors"))) {
            for (String name : golden.names()) {
                boolean early = name.startsWith("h.0.") || name.startsWith("w");
                (early ? first : second).put(name, golden.load(name, manager));
                index.append(index.charAt(index.length() - 1) == '{' ? "" : ",").append('"').append(name).append("\":\"")
                        .append(early ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors").append('"');
            }
        }
        SafetensorsWriter.write(directory.resolve("model-00001-of-00002.safetensors"), first, Map.of());
        SafetensorsWriter.write(directory.resolve("model-00002-of-00002.safetensors"), second, Map.of());
        AtomicFiles.writeString(directory.resolve("model.safetensors.index.json"), index.append("}}").toString());

        assertThat(logits(directory)).containsExactly(logits(GoldenCase.model()), offset(0f));
    }

    @Test
    void missingTensorNamesFileAndTensor() {
        writeCheckpointWithout("h.1.mlp.c_fc.bias");

        assertLoadFails(StandardErrorCode.MISSING_TENSOR, "'h.1.mlp.c_fc.bias'", directory.toString());
    }

    @Test
    void wrongShapeNamesTensorAndBothShapes() {
        copyConfig();
        Map<String, NDArray> tensors = goldenTensors();
        tensors.put("h.0.attn.c_proj.weight", manager.zeros(new Shape(64, 32)));
        SafetensorsWriter.write(directory.resolve("model.safetensors"), tensors, Map.of());

        assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "'h.0.attn.c_proj.weight'", "(64, 32)", "(64, 64)");
    }

    @Test
    void truncatedCheckpointNamesFileAndTensor() throws IOException {
        copyConfig();
        byte[] bytes = Files.readAllBytes(GoldenCase.model().resolve("model.safetensors"));
        Files.write(directory.resolve("model.safetensors"), Arrays.copyOf(bytes, bytes.length - 100));

        assertLoadFails(StandardErrorCode.MALFORMED_CHECKPOINT, "model.safetensors", "'wte.weight'", "truncated");
    }

    @Test
    void badConfigsNameTheFileAndKey() throws IOException {
        Files.copy(GoldenCase.model().resolve("model.safetensors"), directory.resolve("model.safetensors"));

        Files.writeString(directory.resolve("config.json"), "{\"n_embd\": 64,");
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "config.json", "not valid JSON");

        Files.writeString(directory.resolve("config.json"), "{\"model_type\":\"gpt2\",\"n_embd\":64,\"n_layer\":2,\"n_head\":4,\"vocab_size\":1000}");
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "config.json", "\"n_positions\"");

        Files.writeString(directory.resolve("config.json"), "{\"model_type\":\"gpt2\",\"n_embd\":64,\"n_layer\":2,\"n_head\":5,\"n_positions\":128,\"vocab_size\":1000}");
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "divisible");

        Files.writeString(directory.resolve("config.json"), "{\"model_type\":\"bart\"}");
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "'bart'");

        Files.writeString(directory.resolve("config.json"), "{\"model_type\":\"gpt2\",\"n_embd\":\"64\",\"n_layer\":2,\"n_head\":4,\"n_positions\":128,\"vocab_size\":1000}");
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "\"n_embd\" must be an integer");
    }

    @Test
    void missingFilesAreFileNotFound() throws IOException {
        assertLoadFails(StandardErrorCode.FILE_NOT_FOUND, "config.json");
        copyConfig();
        assertLoadFails(StandardErrorCode.FILE_NOT_FOUND, "model.safetensors");
    }

    @Test
    void randomCheckpointsAreDeterministicAndLoadable() throws IOException {
        Gpt2Config config = Gpt2Checkpoints.preset("tiny");
        Path a = directory.resolve("a");
        Path b = directory.resolve("b");
        Gpt2Checkpoints.writeRandom(a, config, 3, manager);
        Gpt2Checkpoints.writeRandom(b, config, 3, manager);

        assertThat(Files.readAllBytes(a.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(b.resolve("model.safetensors")));
        assertThat(Gpt2Config.read(a)).isEqualTo(config);
        assertThat(logits(a)).hasSize(IDS[0].length * config.vocabSize());
    }

    @Test
    void specialTokensAreBosAndEosWithoutPadOrDecoderStart() {
        Gpt2Config config = Gpt2Checkpoints.preset("tiny");
        Gpt2Checkpoints.writeRandom(directory, config, 3, manager);
        try (ModelBackend backend = new Gpt2BackendProvider().load(directory, manager)) {
            assertThat(backend.specialTokens()).isEqualTo(new SpecialTokens(OptionalLong.empty(), OptionalLong.of(config.bosTokenId()),
                    OptionalLong.of(config.eosTokenId()), OptionalLong.empty()));
        }
    }

    private float[] logits(Path model) {
        try (ModelBackend backend = new Gpt2BackendProvider().load(model, manager); NDManager pass = manager.newSubManager()) {
            return backend.forward(ForwardInput.of(pass.create(IDS)), AdapterHooks.NONE).toFloatArray();
        }
    }

    private void assertLoadFails(StandardErrorCode code, String... fragments) {
        ThrowingCallable load = () -> new Gpt2BackendProvider().load(directory, manager).close();
        assertThatThrownBy(load)
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(code.toErrorCode()))
                .hasMessageContainingAll(fragments);
    }

    private Map<String, NDArray> goldenTensors() {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (SafetensorsFile golden = SafetensorsFile.open(GoldenCase.model().resolve("model.safetensors"))) {
            golden.names().forEach(name -> tensors.put(name, golden.load(name, manager)));
        }
        return tensors;
    }

    private void writeCheckpointWithout(String missing) {
        copyConfig();
        Map<String, NDArray> tensors = goldenTensors();
        tensors.remove(missing);
        SafetensorsWriter.write(directory.resolve("model.safetensors"), tensors, Map.of());
    }

    private void copyConfig() {
        try {
            Files.copy(GoldenCase.model().resolve("config.json"), directory.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
