package io.github.peft4j.model.bart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.Optional;
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
final class TestBartBadModelFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final NDManager manager = NDManager.newBaseManager("PyTorch");

    @TempDir
    Path directory;

    private Path config;
    private Path weights;

    @BeforeEach
    void writeTinyModel() {
        BartCheckpoints.writeRandom(directory, BartCheckpoints.preset("tiny"), 5, manager);
        config = directory.resolve("config.json");
        weights = directory.resolve("model.safetensors");
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void layerCountsOfIntMaxAreRefusedBeforeAnythingIsPlannedForThem() throws IOException {
        editConfig(json -> json.put("encoder_layers", Integer.MAX_VALUE));
        assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, config.toString(), "\"encoder_layers\" is 2147483647", "holds 2 layers");

        editConfig(json -> json.put("encoder_layers", 2).put("decoder_layers", Integer.MAX_VALUE));
        assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "\"decoder_layers\" is 2147483647", "model.decoder.layers.{i}");
    }

    @Test
    void sizesThatDisagreeWithTheEmbeddingTablesNameTheKeyAndTheTensor() throws IOException {
        editConfig(json -> json.put("vocab_size", 5000));
        assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "\"vocab_size\" is 5000", "'model.shared.weight'");

        editConfig(json -> json.put("vocab_size", 1000).put("max_position_embeddings", Integer.MAX_VALUE - 2));
        assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "\"max_position_embeddings\" is 2147483645", "'model.encoder.embed_positions.weight'");

        editConfig(json -> json.put("max_position_embeddings", Integer.MAX_VALUE));
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, config.toString(), "\"max_position_embeddings\" is 2147483647", "extra rows");
    }

    @Test
    void keysOfTheWrongTypeOrRangeAreRefusedNamingTheKey() throws IOException {
        editConfig(json -> json.put("encoder_layers", 1.5));
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, config.toString(), "\"encoder_layers\" must be an integer");

        editConfig(json -> json.put("encoder_layers", 2).put("encoder_ffn_dim", -256));
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "\"encoder_ffn_dim\" is -256");

        editConfig(json -> json.put("encoder_ffn_dim", 256).put("model_type", 7));
        assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "\"model_type\" must be a string");
    }

    @Test
    void aNanWeightIsRefusedNamingTheTensorAndTheFile() {
        SafetensorsFixtures.overwriteFloat(weights, "model.decoder.layers.1.fc2.bias", 3, Float.NaN);

        assertLoadFails(StandardErrorCode.MALFORMED_CHECKPOINT, "'model.decoder.layers.1.fc2.bias'", weights.toString(), "non-finite");
    }

    @Test
    void aModelFileTruncatedAfterLoadingIsAnErrorAtTheNextUse() {
        try (ModelBackend backend = new BartBackendProvider().load(directory, manager); NDManager pass = manager.newSubManager();
                DecodingState state = backend.startDecoding(ForwardInput.of(pass.create(new long[][] {{0, 5, 6, 2}}))
                        .withDecoderInput(pass.create(new long[][] {{2}}), Optional.empty()), AdapterHooks.NONE)) {
            // The checks come before any page is touched again: without them the next use would abort the JVM (SIGBUS).
            SafetensorsFixtures.truncateInPlace(weights, 1000);

            assertChangedOnDisk(() -> state.append(pass.create(new long[] {7})));
            assertChangedOnDisk(() -> backend.forward(ForwardInput.of(pass.create(new long[][] {{0, 5, 2}})), AdapterHooks.NONE));
            assertChangedOnDisk(() -> backend.tokenEmbeddings(pass.create(new long[] {1})));
        }
    }

    @Test
    void randomModelsTooBigToBuildAreRefusedFromTheirSizesAlone() {
        Path out = directory.resolve("random");
        BartBackendProvider provider = new BartBackendProvider();
        RandomModelShape manyLayers = new RandomModelShape("tiny", OptionalInt.of(100_000_000), OptionalInt.empty(), OptionalInt.empty(),
                OptionalInt.empty(), OptionalInt.empty());
        RandomModelShape hugeHidden = new RandomModelShape("tiny", OptionalInt.empty(), OptionalInt.of(1 << 30), OptionalInt.of(1),
                OptionalInt.empty(), OptionalInt.empty());

        assertThatThrownBy(() -> provider.writeRandomModel(out, manyLayers, 1, manager))
                .isInstanceOfSatisfying(PeftException.class,
                        e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.OUT_OF_MEMORY.toErrorCode()))
                .hasMessageContainingAll("random bart", "parameters", "more than this machine's");
        assertThatThrownBy(() -> provider.writeRandomModel(out, hugeHidden, 1, manager))
                .isInstanceOfSatisfying(PeftException.class,
                        e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.OUT_OF_MEMORY.toErrorCode()))
                .hasMessageContainingAll("4 * 1,073,741,824");
        assertThat(out).doesNotExist();
    }

    private void assertChangedOnDisk(ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(PeftException.class,
                        e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.MALFORMED_CHECKPOINT.toErrorCode()))
                .hasMessageContainingAll(weights.toString(), "changed on disk while in use");
    }

    private void editConfig(Consumer<ObjectNode> edit) throws IOException {
        ObjectNode json = (ObjectNode) JSON.readTree(config.toFile());
        edit.accept(json);
        Files.writeString(config, json.toPrettyString());
    }

    private void assertLoadFails(StandardErrorCode code, String... fragments) {
        assertThatThrownBy(() -> new BartBackendProvider().load(directory, manager).close())
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(code.toErrorCode()))
                .hasMessageContainingAll(fragments);
    }
}
