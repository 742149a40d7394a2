package io.github.peft4j.model.bart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.core.safetensors.SafetensorsFixtures;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.core.safetensors.TensorInfo;
import io.github.peft4j.core.tokenizer.Gpt2StyleVocabulary;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.RandomModelShape;
import io.github.peft4j.spi.SpecialTokens;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.spi.TextTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint variants real users have, and every way a model directory can be broken. */
final class TestBartLoading {
    private static final long[][] SOURCE = {{0, 5, 900, 42, 7, 2}};
    private static final long[][] TARGET = {{2, 0, 17, 33}};

    private final NDManager manager = NDManager.newBaseManager("PyTorch");

    @TempDir
    Path directory;

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void bartModelNamesWithoutPrefixAndTiedCopiesLoadAlike() {
        Map<String, NDArray> renamed = new LinkedHashMap<>();
        goldenTensors().forEach((name, array) -> renamed.put(name.startsWith("model.") ? name.substring("model.".length()) : name, array));
        NDArray shared = renamed.get("shared.weight");
        renamed.put("encoder.embed_tokens.weight", shared);
        renamed.put("decoder.embed_tokens.weight", shared);
        renamed.put("lm_head.weight", shared);
        write(renamed);

        assertThat(logits(directory)).containsExactly(logits(BartGoldenCase.model()), offset(0f));
    }

    @Test
    void aTiedCopyStandsInForAMissingSharedEmbedding() {
        for (String copy : new String[] {"model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight", "lm_head.weight"}) {
            Map<String, NDArray> tensors = goldenTensors();
            tensors.put(copy, tensors.remove("model.shared.weight"));
            write(tensors);

            assertThat(logits(directory)).as(copy).containsExactly(logits(BartGoldenCase.model()), offset(0f));
        }
    }

    @Test
    void finalLogitsBiasIsOptionalAndZeroWhenAbsent() {
        Map<String, NDArray> tensors = goldenTensors();
        float[] bias = tensors.remove("final_logits_bias").toFloatArray();
        write(tensors);

        float[] withoutBias = logits(directory);
        float[] reference = logits(BartGoldenCase.model());
        for (int i = 0; i < reference.length; i++) {
            assertThat(withoutBias[i] + bias[i % bias.length]).isCloseTo(reference[i], offset(1e-5f));
        }
    }

    @Test
    void anUntiedLmHeadIsItsOwnParameterAndRequired() throws IOException {
        Map<String, NDArray> tensors = goldenTensors();
        write(tensors);
        editConfig(json -> json.replace("\"vocab_size\"", "\"tie_word_embeddings\": false,\n  \"vocab_size\""));
        assertLoadFails(StandardErrorCode.MISSING_TENSOR, "'lm_head.weight'");

        NDArray head = manager.randomNormal(new Shape(1000, 64));
        tensors.put("lm_head.weight", head);
        SafetensorsWriter.write(directory.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        try (ModelBackend backend = new BartBackendProvider().load(directory, manager)) {
            assertThat(backend.baseParameters()).containsKey("lm_head.weight").containsKey("shared.weight");
        }
        assertThat(logits(directory)).isNotEqualTo(logits(BartGoldenCase.model()));
    }

    @Test
    void halfPrecisionCheckpointsAreWidenedAndCloseToFloat32() {
        float[] reference = logits(BartGoldenCase.model());
        Map<String, NDArray> golden = goldenTensors();
        for (boolean bfloat16 : new boolean[] {false, true}) {
            copyConfig();
            SafetensorsFixtures.writeAsHalf(BartGoldenCase.model().resolve("model.safetensors"), directory.resolve("model.safetensors"), bfloat16);
            // Every weight is the float32 one cut to 8 (bf16) or 11 (f16) significant bits, widened to float32.
            double relative = bfloat16 ? 0x1p-7 : 0x1p-10;
            try (ModelBackend backend = new BartBackendProvider().load(directory, manager)) {
                backend.baseParameters().forEach((name, array) -> {
                    assertThat(array.getDataType()).isEqualTo(DataType.FLOAT32);
                    float[] loaded = array.toFloatArray();
                    float[] wanted = golden.get("model." + name).toFloatArray();
                    for (int i = 0; i < wanted.length; i++) {
                        assertThat((double) loaded[i]).as("%s[%d]", name, i).isCloseTo(wanted[i], offset(relative * Math.abs(wanted[i]) + 1e-7));
                    }
                });
            }
            // Through 2+2 layers the rounding adds up: bf16 logits (std ~2) move by 0.02 on average, 0.11 at most here.
            float tolerance = bfloat16 ? 0.25f : 0.02f;
            assertThat(logits(directory)).as(bfloat16 ? "bf16" : "f16").containsExactly(reference, offset(tolerance));
        }
    }

    @Test
    void shardedCheckpointLoads() {
        copyConfig();
        Map<String, NDArray> first = new LinkedHashMap<>();
        Map<String, NDArray> second = new LinkedHashMap<>();
        StringBuilder index = new StringBuilder("{\"metadata\":{},\"weight_map\":{");
        goldenTensors().forEach((name, array) -> {
            boolean early = name.startsWith("model.encoder.") || name.startsWith("final");
            (early ? first : second).put(name, array);
            index.append(index.charAt(index.length() - 1) == '{' ? "" : ",").append('"').append(name).append("\":\"")
                    .append(early ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors").append('"');
        });
        SafetensorsWriter.write(directory.resolve("model-00001-of-00002.safetensors"), first, Map.of());
        SafetensorsWriter.write(directory.resolve("model-00002-of-00002.safetensors"), second, Map.of());
        AtomicFiles.writeString(directory.resolve("model.safetensors.index.json"), index.append("}}").toString());

        assertThat(logits(directory)).containsExactly(logits(BartGoldenCase.model()), offset(0f));
    }

    @Test
    void missingTensorNamesFileAndTensor() {
        Map<String, NDArray> tensors = goldenTensors();
        tensors.remove("model.decoder.layers.1.encoder_attn.k_proj.bias");
        write(tensors);

        assertLoadFails(StandardErrorCode.MISSING_TENSOR, "'model.decoder.layers.1.encoder_attn.k_proj.bias'", directory.toString());
    }

    @Test
    void missingEmbeddingNamesTheSharedWeight() {
        Map<String, NDArray> tensors = goldenTensors();
        tensors.remove("model.shared.weight");
        write(tensors);

        assertLoadFails(StandardErrorCode.MISSING_TENSOR, "'model.shared.weight'");
    }

    @Test
    void wrongShapeNamesTensorAndBothShapes() {
        Map<String, NDArray> tensors = goldenTensors();
        tensors.put("model.encoder.layers.0.fc1.weight", manager.zeros(new Shape(64, 256)));
        write(tensors);
        assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "'model.encoder.layers.0.fc1.weight'", "(64, 256)", "(256, 64)");

        tensors = goldenTensors();
        tensors.put("final_logits_bias", manager.zeros(new Shape(1000)));
        write(tensors);
        assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "'final_logits_bias'", "(1, 1000)");

        tensors = goldenTensors();
        tensors.put("model.decoder.embed_positions.weight", manager.zeros(new Shape(128, 64)));
        write(tensors);
        assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "'model.decoder.embed_positions.weight'", "(130, 64)");
    }

    @Test
    void truncatedCheckpointNamesFileAndTensor() throws IOException {
        copyConfig();
        byte[] bytes = Files.readAllBytes(BartGoldenCase.model().resolve("model.safetensors"));
        Files.write(directory.resolve("model.safetensors"), Arrays.copyOf(bytes, bytes.length - 100));

        assertLoadFails(StandardErrorCode.MALFORMED_CHECKPOINT, "model.safetensors", "'model.shared.weight'", "truncated");
    }

    @Test
    void badConfigsNameTheFileAndKey() throws IOException {
        Files.copy(BartGoldenCase.model().resolve("model.safetensors"), directory.resolve("model.safetensors"));

        Files.writeString(directory.resolve("config.json"), "{\"d_model\": 64,");
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "config.json", "not valid JSON");

        Files.writeString(directory.resolve("config.json"), "[1, 2]");
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "config.json", "JSON object");

        copyConfig();
        editConfig(json -> json.replace("\"d_model\": 64,", ""));
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "config.json", "\"d_model\" is missing");

        copyConfig();
        editConfig(json -> json.replace("\"decoder_attention_heads\": 4", "\"decoder_attention_heads\": 8"));
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "config.json", "decoder_attention_heads (8)");

        copyConfig();
        editConfig(json -> json.replace("\"encoder_attention_heads\": 4", "\"encoder_attention_heads\": 5")
                .replace("\"decoder_attention_heads\": 4", "\"decoder_attention_heads\": 5"));
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "divisible");

        copyConfig();
        editConfig(json -> json.replace("\"normalize_before\": false", "\"normalize_before\": true"));
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "config.json", "\"normalize_before\" is true", "pre-LayerNorm");

        copyConfig();
        editConfig(json -> json.replace("\"add_final_layer_norm\": false", "\"add_final_layer_norm\": true"));
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "\"add_final_layer_norm\" is true");

        copyConfig();
        editConfig(json -> json.replace("\"activation_function\": \"gelu\"", "\"activation_function\": \"quick_gelu\""));
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "'quick_gelu'");

        copyConfig();
        editConfig(json -> json.replace("\"d_model\": 64", "\"d_model\": \"64\""));
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "\"d_model\" must be an integer");

        copyConfig();
        editConfig(json -> json.replace("\"pad_token_id\": 1", "\"pad_token_id\": 1000"));
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "pad_token_id 1000");

        copyConfig();
        editConfig(json -> json.replace("\"scale_embedding\": false", "\"scale_embedding\": \"no\""));
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "\"scale_embedding\" must be true or false");

        Files.writeString(directory.resolve("config.json"), "{\"model_type\":\"gpt2\"}");
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "'gpt2'");

        copyConfig();
        editConfig(json -> json.replace("\"d_model\": 64", "\"d_model\": 32"));
        assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "config.json", "\"d_model\" is 32", "'model.shared.weight'", "(1000, 64)");
    }

    @Test
    void missingFilesAreFileNotFound() {
        assertLoadFails(StandardErrorCode.FILE_NOT_FOUND, "config.json");
        copyConfig();
        assertLoadFails(StandardErrorCode.FILE_NOT_FOUND, "model.safetensors");
    }

    @Test
    void theTinyPresetHasTheGoldenModelsConfigAndLayout() throws IOException {
        BartConfig tiny = BartCheckpoints.preset("tiny");
        assertThat(BartConfig.read(BartGoldenCase.model())).isEqualTo(tiny);

        Path a = directory.resolve("a");
        Path b = directory.resolve("b");
        BartCheckpoints.writeRandom(a, tiny, 3, manager);
        BartCheckpoints.writeRandom(b, tiny, 3, manager);
        assertThat(Files.readAllBytes(a.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(b.resolve("model.safetensors")));
        assertThat(BartConfig.read(a)).isEqualTo(tiny);
        assertThat(layout(a)).isEqualTo(layout(BartGoldenCase.model()));
        assertThat(BartGenerationDefaults.read(a)).isEqualTo(BartGenerationDefaults.read(BartGoldenCase.model()));
        assertThat(logits(a)).hasSize(TARGET[0].length * tiny.vocabSize());
    }

    @Test
    void randomModelsFollowPresetsAndOverrides() {
        BartBackendProvider provider = new BartBackendProvider();
        RandomModelShape shape = new RandomModelShape("tiny", OptionalInt.of(3), OptionalInt.of(48), OptionalInt.of(6), OptionalInt.of(300), OptionalInt.of(50));
        provider.writeRandomModel(directory, shape, 1, manager);
        BartConfig config = BartConfig.read(directory);
        assertThat(config).isEqualTo(new BartConfig(300, 50, 48, 3, 3, 6, 192, 192, "gelu", false, true, 1, 0, 2, 2));
        try (ModelBackend backend = provider.load(directory, manager)) {
            assertThat(backend.family()).isEqualTo("bart");
            assertThat(backend.geometry().isEncoderDecoder()).isTrue();
            assertThat(backend.eosTokenIds()).containsExactly(2L);
            assertThat(backend.specialTokens()).isEqualTo(new SpecialTokens(OptionalLong.of(1), OptionalLong.of(0), OptionalLong.of(2), OptionalLong.of(2)));
        }
        Path untied = directory.resolve("untied");
        BartConfig own = new BartConfig(50, 16, 16, 1, 2, 2, 24, 40, "relu", true, false, 1, 0, 2, 2);
        BartCheckpoints.writeRandom(untied, own, 2, manager);
        assertThat(BartConfig.read(untied)).isEqualTo(own);
        try (ModelBackend backend = provider.load(untied, manager)) {
            assertThat(backend.baseParameters()).containsKey("lm_head.weight");
        }
        assertThatThrownBy(() -> provider.writeRandomModel(directory, RandomModelShape.preset("bart-huge"), 1, manager))
                .isInstanceOf(PeftException.class).hasMessageContaining("tiny, bart-base or bart-large");
    }

    @Test
    void presetsHaveHuggingFacesParameterCounts() {
        // BartForConditionalGeneration.num_parameters() of facebook/bart-base and facebook/bart-large.
        assertThat(parameters(BartCheckpoints.preset("bart-base"))).isEqualTo(139_420_416L);
        assertThat(parameters(BartCheckpoints.preset("bart-large"))).isEqualTo(406_291_456L);
        try (ModelBackend backend = new BartBackendProvider().load(BartGoldenCase.model(), manager)) {
            long loaded = backend.baseParameters().values().stream().mapToLong(NDArray::size).sum();
            assertThat(loaded).isEqualTo(parameters(BartCheckpoints.preset("tiny")));
            assertThat(backend.baseParameters().keySet()).doesNotContain("final_logits_bias").allMatch(name -> !name.startsWith("model."));
        }
    }

    @Test
    void aBartTokenizerInTheDirectoryIsLoaded() throws IOException {
        // BART's layout: <s> <pad> </s> <unk> first, then byte-level BPE tokens, <mask> last.
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String special : new String[] {"<s>", "<pad>", "</s>", "<unk>"}) {
            vocab.put(special, vocab.size());
        }
        Gpt2StyleVocabulary.vocab().keySet().stream().filter(token -> !token.equals(Gpt2StyleVocabulary.END_OF_TEXT))
                .forEach(token -> vocab.put(token, vocab.size()));
        vocab.put("<mask>", vocab.size());
        BartCheckpoints.writeRandom(directory, BartConfig.of(vocab.size(), 32, 16, 1, 2), 4, manager);
        Files.writeString(directory.resolve("vocab.json"), new ObjectMapper().writeValueAsString(vocab));
        Files.writeString(directory.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", Gpt2StyleVocabulary.MERGES) + "\n");

        try (ModelBackend backend = new BartBackendProvider().load(directory, manager)) {
            TextTokenizer tokenizer = backend.tokenizer().orElseThrow();
            long[] ids = tokenizer.encode("Hello world");
            assertThat(ids).containsExactly(vocab.get("Hello"), vocab.get("\u0120world"));
            assertThat(tokenizer.encode("</s>")).containsExactly(2L);
            assertThat(tokenizer.decode(ids)).isEqualTo("Hello world");
        }
    }

    private static long parameters(BartConfig config) {
        return BartWeights.expectedShapes(config).values().stream().mapToLong(Shape::size).sum();
    }

    private static Map<String, String> layout(Path model) {
        try (SafetensorsFile file = SafetensorsFile.open(model.resolve("model.safetensors"))) {
            return file.tensors().values().stream().collect(Collectors.toMap(TensorInfo::name, info -> info.dtype() + info.shape()));
        }
    }

    private float[] logits(Path model) {
        try (ModelBackend backend = new BartBackendProvider().load(model, manager); NDManager pass = manager.newSubManager()) {
            ForwardInput input = ForwardInput.of(pass.create(SOURCE)).withDecoderInput(pass.create(TARGET), Optional.empty());
            return backend.forward(input, AdapterHooks.NONE).toFloatArray();
        }
    }

    private void assertLoadFails(StandardErrorCode code, String... fragments) {
        ThrowingCallable load = () -> new BartBackendProvider().load(directory, manager).close();
        assertThatThrownBy(load)
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(code.toErrorCode()))
                .hasMessageContainingAll(fragments);
    }

    private Map<String, NDArray> goldenTensors() {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (SafetensorsFile golden = SafetensorsFile.open(BartGoldenCase.model().resolve("model.safetensors"))) {
            golden.names().forEach(name -> tensors.put(name, golden.load(name, manager)));
        }
        return tensors;
    }

    private void write(Map<String, NDArray> tensors) {
        copyConfig();
        SafetensorsWriter.write(directory.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
    }

    private void copyConfig() {
        try {
            Files.copy(BartGoldenCase.model().resolve("config.json"), directory.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void editConfig(UnaryOperator<String> edit) throws IOException {
        Path config = directory.resolve("config.json");
        String before = Files.readString(config);
        String after = edit.apply(before);
        assertThat(after).as("the edit applies").isNotEqualTo(before);
        Files.writeString(config, after);
    }
}
