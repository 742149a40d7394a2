package io.github.peft4j.model.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.core.generation.GenerationConfig;
import io.github.peft4j.core.generation.Generator;
import io.github.peft4j.core.safetensors.SafetensorsFixtures;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.DecodingState;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.RandomModelShape;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A config.json that does not describe its weights, weights that are not numbers, and a model file changed on disk
 * while loaded: each a clean error naming the file and the key or tensor, raised before anything is built from it.
 */
final class TestGpt2BadModelFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final NDManager manager = NDManager.newBaseManager("PyTorch");

    @TempDir
    Path directory;

    private Path config;
    private Path weights;

    @BeforeEach
    void writeTinyModel() {
        Gpt2Checkpoints.writeRandom(directory, Gpt2Checkpoints.preset("tiny"), 5, manager);
        config = directory.resolve("config.json");
        weights = directory.resolve("model.safetensors");
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void aLayerCountOfIntMaxIsRefusedBeforeAnythingIsPlannedForIt() throws IOException {
        editConfig(json -> json.put("n_layer", Integer.MAX_VALUE));

        assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, config.toString(), "\"n_layer\" is 2147483647", "holds 2 layers", "h.{i}");
    }

    @Test
    void layerCountsThatDisagreeWithTheTensorsAreRefused() throws IOException {
        editConfig(json -> json.put("n_layer", 3));
        assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "\"n_layer\" is 3", "holds 2 layers");

        editConfig(json -> json.put("n_layer", 1));
        assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "\"n_layer\" is 1", "holds 2 layers");
    }

    @Test
    void sizesThatDisagreeWithTheEmbeddingTablesNameTheKeyAndTheTensor() throws IOException {
        editConfig(json -> json.put("vocab_size", 1001).put("bos_token_id", 0).put("eos_token_id", 0));
        assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, config.toString(), "\"vocab_size\" is 1001", "'wte.weight'", "(1000, 64)");

        editConfig(json -> json.put("vocab_size", 1000).put("n_embd", 128).put("n_inner", 256));
        assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "\"n_embd\" is 128", "'wte.weight'");

        editConfig(json -> json.put("n_embd", 64).putNull("n_inner").put("n_positions", 1 << 30));
        assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "\"n_positions\" is 1073741824", "'wpe.weight'", "(128, 64)");
    }

    @Test
    void sizesThatOverflowAreNamedAsSuch() throws IOException {
        editConfig(json -> json.put("n_embd", Integer.MAX_VALUE).put("n_head", 1).putNull("n_inner"));

        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, config.toString(), "4 * n_embd", "more than peft4j supports");
    }

    @Test
    void keysOfTheWrongTypeOrRangeAreRefusedNamingTheKey() throws IOException {
        assertKeyRefused(json -> json.put("n_layer", 2.5), "\"n_layer\" must be an integer");
        assertKeyRefused(json -> json.put("n_layer", "2"), "\"n_layer\" must be an integer");
        assertKeyRefused(json -> json.put("n_head", 0), "\"n_head\" is 0", "positive integer");
        assertKeyRefused(json -> json.put("n_head", -4), "\"n_head\" is -4");
        assertKeyRefused(json -> json.put("vocab_size", 1L << 40), "\"vocab_size\" is 1099511627776");
        assertKeyRefused(json -> json.put("n_head", 5), "divisible");
        assertKeyRefused(json -> json.put("layer_norm_epsilon", "small"), "\"layer_norm_epsilon\" must be a positive number");
        assertKeyRefused(json -> json.put("layer_norm_epsilon", -1e-5), "\"layer_norm_epsilon\" must be a positive number");
        assertKeyRefused(json -> json.put("scale_attn_weights", "yes"), "\"scale_attn_weights\" must be true or false");
        assertKeyRefused(json -> json.put("activation_function", 3), "\"activation_function\" must be a string");
        assertKeyRefused(json -> json.put("eos_token_id", 1000), "eos_token_id 1000 is outside the vocabulary");
        assertKeyRefused(json -> json.putArray("bos_token_id").add(1), "\"bos_token_id\" must be a token id");
    }

    @Test
    void aKeyGivenTwiceIsRefused() throws IOException {
        String text = Files.readString(config);
        Files.writeString(config, text.replaceFirst("\\{", "{\"n_layer\": 12,"));

        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, config.toString(), "Duplicate field 'n_layer'");
    }

    @Test
    void aNanOrInfiniteWeightIsRefusedNamingTheTensorAndTheFile() {
        SafetensorsFixtures.overwriteFloat(weights, "h.1.mlp.c_fc.weight", 17, Float.NaN);
        assertLoadFails(StandardErrorCode.MALFORMED_CHECKPOINT, "'h.1.mlp.c_fc.weight'", weights.toString(), "non-finite", "flat index 17");

        Gpt2Checkpoints.writeRandom(directory, Gpt2Checkpoints.preset("tiny"), 5, manager);
        SafetensorsFixtures.overwriteFloat(weights, "ln_f.bias", 0, Float.NEGATIVE_INFINITY);
        assertLoadFails(StandardErrorCode.MALFORMED_CHECKPOINT, "'ln_f.bias'", "non-finite");
    }

    @Test
    void aModelFileTruncatedAfterLoadingIsAnErrorAtTheNextForwardPass() {
        try (ModelBackend backend = load(); NDManager pass = manager.newSubManager()) {
            backend.forward(ForwardInput.of(pass.create(new long[][] {{1, 2, 3}})), AdapterHooks.NONE);

            // The check comes before any page is touched again: without it the next pass would abort the JVM (SIGBUS).
            SafetensorsFixtures.truncateInPlace(weights, 1000);

            assertChangedOnDisk(() -> backend.forward(ForwardInput.of(pass.create(new long[][] {{1, 2, 3}})), AdapterHooks.NONE));
            assertChangedOnDisk(() -> backend.tokenEmbeddings(pass.create(new long[] {1})));
            assertChangedOnDisk(() -> Generator.generate(backend, ForwardInput.of(pass.create(new long[][] {{1, 2}})), AdapterHooks.NONE,
                    GenerationConfig.greedy(3)));
        }
    }

    @Test
    void aModelFileTruncatedBetweenDecodingStepsIsAnErrorAtTheNextStep() {
        try (ModelBackend backend = load(); NDManager pass = manager.newSubManager();
                DecodingState state = backend.startDecoding(ForwardInput.of(pass.create(new long[][] {{1, 2}})), AdapterHooks.NONE)) {
            state.append(pass.create(new long[] {3}));

            SafetensorsFixtures.truncateInPlace(weights, 1000);

            assertChangedOnDisk(() -> state.append(pass.create(new long[] {4})));
        }
    }

    @Test
    void randomModelsTooBigToBuildAreRefusedFromTheirSizesAlone() {
        Path out = directory.resolve("random");
        Gpt2BackendProvider provider = new Gpt2BackendProvider();
        RandomModelShape manyLayers = new RandomModelShape("tiny", OptionalInt.of(2_000_000_000), OptionalInt.empty(), OptionalInt.empty(),
                OptionalInt.empty(), OptionalInt.empty());
        RandomModelShape hugeVocabulary = new RandomModelShape("tiny", OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(),
                OptionalInt.of(2_000_000_000), OptionalInt.empty());
        RandomModelShape hugeHidden = new RandomModelShape("tiny", OptionalInt.empty(), OptionalInt.of(1 << 30), OptionalInt.of(1),
                OptionalInt.empty(), OptionalInt.empty());

        assertOutOfMemory(() -> provider.writeRandomModel(out, manyLayers, 1, manager), "parameters", "more than this machine's");
        assertOutOfMemory(() -> provider.writeRandomModel(out, hugeVocabulary, 1, manager), "'wte.weight'", "128,000,000,000 elements");
        assertOutOfMemory(() -> provider.writeRandomModel(out, hugeHidden, 1, manager), "4 * 1,073,741,824");
        assertThat(out).doesNotExist();
    }

    private static void assertOutOfMemory(ThrowingCallable call, String... fragments) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(PeftException.class,
                        e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.OUT_OF_MEMORY.toErrorCode()))
                .hasMessageContainingAll(fragments);
    }

    private ModelBackend load() {
        return new Gpt2BackendProvider().load(directory, manager);
    }

    private void assertChangedOnDisk(ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(PeftException.class,
                        e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.MALFORMED_CHECKPOINT.toErrorCode()))
                .hasMessageContainingAll(weights.toString(), "changed on disk while in use", "size went from");
    }

    private void assertKeyRefused(Consumer<ObjectNode> edit, String... fragments) throws IOException {
        String original = Files.readString(config);
        editConfig(edit);
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, config.toString());
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, fragments);
        Files.writeString(config, original);
    }

    private void editConfig(Consumer<ObjectNode> edit) throws IOException {
        ObjectNode json = (ObjectNode) JSON.readTree(config.toFile());
        edit.accept(json);
        Files.writeString(config, json.toPrettyString());
    }

    private void assertLoadFails(StandardErrorCode code, String... fragments) {
        assertThatThrownBy(() -> load().close())
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(code.toErrorCode()))
                .hasMessageContainingAll(fragments);
    }
}
