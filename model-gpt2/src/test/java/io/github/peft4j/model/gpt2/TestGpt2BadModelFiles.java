package io.github.peft4j.model.gpt2;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.core.generation.GenerationConfig;
import io.github.peft4j.core.generation.Generator;
import io.github.peft4j.core.safetensors.SafetensorsFixtures;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.DecodingState;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.RandomModelShape;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.testing.BadModelFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A config.json that does not describe its weights, weights that are not numbers, and a model file changed on disk
 * while loaded: each a clean error naming the file and the key or tensor, raised before anything is built from it.
 */
final class TestGpt2BadModelFiles {
    @RegisterExtension
    final BadModelFiles model = new BadModelFiles(new Gpt2BackendProvider());

    @Test
    void aLayerCountOfIntMaxIsRefusedBeforeAnythingIsPlannedForIt() {
        model.editConfig(json -> json.put("n_layer", Integer.MAX_VALUE));

        model.assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, model.config().toString(), "\"n_layer\" is 2147483647", "holds 2 layers", "h.{i}");
    }

    @Test
    void layerCountsThatDisagreeWithTheTensorsAreRefused() {
        model.editConfig(json -> json.put("n_layer", 3));
        model.assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "\"n_layer\" is 3", "holds 2 layers");

        model.editConfig(json -> json.put("n_layer", 1));
        model.assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "\"n_layer\" is 1", "holds 2 layers");
    }

    @Test
    void sizesThatDisagreeWithTheEmbeddingTablesNameTheKeyAndTheTensor() {
        model.editConfig(json -> json.put("vocab_size", 1001).put("bos_token_id", 0).put("eos_token_id", 0));
        model.assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, model.config().toString(), "\"vocab_size\" is 1001", "'wte.weight'", "(1000, 64)");

        model.editConfig(json -> json.put("vocab_size", 1000).put("n_embd", 128).put("n_inner", 256));
        model.assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "\"n_embd\" is 128", "'wte.weight'");

        model.editConfig(json -> json.put("n_embd", 64).putNull("n_inner").put("n_positions", 1 << 30));
        model.assertLoadFails(StandardErrorCode.SHAPE_MISMATCH, "\"n_positions\" is 1073741824", "'wpe.weight'", "(128, 64)");
    }

    @Test
    void sizesThatOverflowAreNamedAsSuch() {
        model.editConfig(json -> json.put("n_embd", Integer.MAX_VALUE).put("n_head", 1).putNull("n_inner"));

        model.assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, model.config().toString(), "4 * n_embd", "more than peft4j supports");
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
        String text = Files.readString(model.config());
        Files.writeString(model.config(), text.replaceFirst("\\{", "{\"n_layer\": 12,"));

        model.assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, model.config().toString(), "Duplicate field 'n_layer'");
    }

    @Test
    void aNanOrInfiniteWeightIsRefusedNamingTheTensorAndTheFile() {
        SafetensorsFixtures.overwriteFloat(model.weights(), "h.1.mlp.c_fc.weight", 17, Float.NaN);
        model.assertLoadFails(StandardErrorCode.MALFORMED_CHECKPOINT, "'h.1.mlp.c_fc.weight'", model.weights().toString(), "non-finite", "flat index 17");

        model.writeAgain();
        SafetensorsFixtures.overwriteFloat(model.weights(), "ln_f.bias", 0, Float.NEGATIVE_INFINITY);
        model.assertLoadFails(StandardErrorCode.MALFORMED_CHECKPOINT, "'ln_f.bias'", "non-finite");
    }

    @Test
    void aModelFileTruncatedAfterLoadingIsAnErrorAtTheNextForwardPass() {
        try (ModelBackend backend = model.load(); NDManager pass = model.manager().newSubManager()) {
            backend.forward(ForwardInput.of(pass.create(new long[][] {{1, 2, 3}})), AdapterHooks.NONE);

            // The check comes before any page is touched again: without it the next pass would abort the JVM (SIGBUS).
            SafetensorsFixtures.truncateInPlace(model.weights(), 1000);

            model.assertChangedOnDisk(() -> backend.forward(ForwardInput.of(pass.create(new long[][] {{1, 2, 3}})), AdapterHooks.NONE));
            model.assertChangedOnDisk(() -> backend.tokenEmbeddings(pass.create(new long[] {1})));
            model.assertChangedOnDisk(() -> Generator.generate(backend, ForwardInput.of(pass.create(new long[][] {{1, 2}})), AdapterHooks.NONE,
                    GenerationConfig.greedy(3)));
        }
    }

    @Test
    void aModelFileTruncatedBetweenDecodingStepsIsAnErrorAtTheNextStep() {
        try (ModelBackend backend = model.load(); NDManager pass = model.manager().newSubManager();
                DecodingState state = backend.startDecoding(ForwardInput.of(pass.create(new long[][] {{1, 2}})), AdapterHooks.NONE)) {
            state.append(pass.create(new long[] {3}));

            SafetensorsFixtures.truncateInPlace(model.weights(), 1000);

            model.assertChangedOnDisk(() -> state.append(pass.create(new long[] {4})));
        }
    }

    @Test
    void randomModelsTooBigToBuildAreRefusedFromTheirSizesAlone() {
        RandomModelShape manyLayers = new RandomModelShape("tiny", OptionalInt.of(2_000_000_000), OptionalInt.empty(), OptionalInt.empty(),
                OptionalInt.empty(), OptionalInt.empty());
        RandomModelShape hugeVocabulary = new RandomModelShape("tiny", OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(),
                OptionalInt.of(2_000_000_000), OptionalInt.empty());
        RandomModelShape hugeHidden = new RandomModelShape("tiny", OptionalInt.empty(), OptionalInt.of(1 << 30), OptionalInt.of(1),
                OptionalInt.empty(), OptionalInt.empty());

        model.assertTooBigToBuild(manyLayers, "parameters", "more than this machine's");
        model.assertTooBigToBuild(hugeVocabulary, "'wte.weight'", "128,000,000,000 elements");
        model.assertTooBigToBuild(hugeHidden, "4 * 1,073,741,824");
    }

    private void assertKeyRefused(Consumer<ObjectNode> edit, String... fragments) throws IOException {
        String original = Files.readString(model.config());
        model.editConfig(edit);
        model.assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, model.config().toString());
        model.assertLoadFails(StandardErrorCode.MALFORMED_CONFIG, fragments);
        Files.writeString(model.config(), original);
    }
}
