package io.github.peft4j.model.bart;

import ai.djl.ndarray.NDManager;
import io.github.peft4j.core.safetensors.SafetensorsFixtures;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.DecodingState;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.RandomModelShape;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.testing.BadModelFiles;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A config.json that does not describe its weights, weights that are not numbers, and a model file changed on disk
 * while loaded: each a clean error naming the file and the key or tensor, raised before anything is built from it.
 */
final class TestBartBadModelFiles {
    @RegisterExtension
    final BadModelFiles model = new BadModelFiles(new BartBackendProvider());

    @Test
    void layerCountsOfIntMaxAreRefusedBeforeAnythingIsPlannedForThem() {
        model.editConfig(json -> json.put("encoder_layers", Integer.MAX_VALUE));
        model.assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, model.config().toString(), "\"encoder_layers\" is 2147483647", "holds 2 layers");

        model.editConfig(json -> json.put("encoder_layers", 2).put("decoder_layers", Integer.MAX_VALUE));
        model.assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "\"decoder_layers\" is 2147483647", "model.decoder.layers.{i}");
    }

    @Test
    void sizesThatDisagreeWithTheEmbeddingTablesNameTheKeyAndTheTensor() {
        model.editConfig(json -> json.put("vocab_size", 5000));
        model.assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "\"vocab_size\" is 5000", "'model.shared.weight'");

        model.editConfig(json -> json.put("vocab_size", 1000).put("max_position_embeddings", Integer.MAX_VALUE - 2));
        model.assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "\"max_position_embeddings\" is 2147483645", "'model.encoder.embed_positions.weight'");

        model.editConfig(json -> json.put("max_position_embeddings", Integer.MAX_VALUE));
        model.assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, model.config().toString(), "\"max_position_embeddings\" is 2147483647", "extra rows");
    }

    @Test
    void keysOfTheWrongTypeOrRangeAreRefusedNamingTheKey() {
        model.editConfig(json -> json.put("encoder_layers", 1.5));
        model.assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, model.config().toString(), "\"encoder_layers\" must be an integer");

        model.editConfig(json -> json.put("encoder_layers", 2).put("encoder_ffn_dim", -256));
        model.assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "\"encoder_ffn_dim\" is -256");

        model.editConfig(json -> json.put("encoder_ffn_dim", 256).put("model_type", 7));
        model.assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, "\"model_type\" must be a string");
    }

    @Test
    void aNanWeightIsRefusedNamingTheTensorAndTheFile() {
        SafetensorsFixtures.overwriteFloat(model.weights(), "model.decoder.layers.1.fc2.bias", 3, Float.NaN);

        model.assertLoadFails(StandardErrorCode.MALFORMED_CHECKPOINT, "'model.decoder.layers.1.fc2.bias'", model.weights().toString(), "non-finite");
    }

    @Test
    void aModelFileTruncatedAfterLoadingIsAnErrorAtTheNextUse() {
        try (ModelBackend backend = model.load(); NDManager pass = model.manager().newSubManager();
                DecodingState state = backend.startDecoding(ForwardInput.of(pass.create(new long[][] {{0, 5, 6, 2}}))
                        .withDecoderInput(pass.create(new long[][] {{2}}), Optional.empty()), AdapterHooks.NONE)) {
            // The checks come before any page is touched again: without them the next use would abort the JVM (SIGBUS).
            SafetensorsFixtures.truncateInPlace(model.weights(), 1000);

            model.assertChangedOnDisk(() -> state.append(pass.create(new long[] {7})));
            model.assertChangedOnDisk(() -> backend.forward(ForwardInput.of(pass.create(new long[][] {{0, 5, 2}})), AdapterHooks.NONE));
            model.assertChangedOnDisk(() -> backend.tokenEmbeddings(pass.create(new long[] {1})));
        }
    }

    @Test
    void randomModelsTooBigToBuildAreRefusedFromTheirSizesAlone() {
        RandomModelShape manyLayers = new RandomModelShape("tiny", OptionalInt.of(100_000_000), OptionalInt.empty(), OptionalInt.empty(),
                OptionalInt.empty(), OptionalInt.empty());
        RandomModelShape hugeHidden = new RandomModelShape("tiny", OptionalInt.empty(), OptionalInt.of(1 << 30), OptionalInt.of(1),
                OptionalInt.empty(), OptionalInt.empty());

        model.assertTooBigToBuild(manyLayers, "random bart", "parameters", "more than this machine's");
        model.assertTooBigToBuild(hugeHidden, "4 * 1,073,741,824");
    }
}
