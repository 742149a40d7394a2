package io.github.peft4j.model.gpt2;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.core.model.ConfigJson;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The keys of a GPT-2 {@code config.json} that change the computation.
 *
 * @param innerSize width of the MLP ({@code n_inner}; {@code 4 * n_embd} when null)
 * @param activation {@code activation_function}: {@code gelu_new} (GPT-2's tanh form), {@code gelu} (erf) or {@code relu}
 * @param scaleAttentionWeights divide attention scores by {@code sqrt(head_dim)} ({@code scale_attn_weights})
 * @param scaleByInverseLayerIndex also divide by {@code layer + 1} ({@code scale_attn_by_inverse_layer_idx})
 */
public record Gpt2Config(
        int vocabSize,
        int positions,
        int hiddenSize,
        int layers,
        int heads,
        int innerSize,
        String activation,
        double layerNormEpsilon,
        boolean scaleAttentionWeights,
        boolean scaleByInverseLayerIndex,
        long bosTokenId,
        long eosTokenId) {
    public static final String FILE_NAME = ConfigJson.FILE_NAME;
    /** Hugging Face's generation defaults beside config.json. */
    public static final String GENERATION_FILE_NAME = "generation_config.json";
    static final Set<String> ACTIVATIONS = Set.of("gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu", "relu");

    public Gpt2Config {
        if (vocabSize <= 0 || positions <= 0 || hiddenSize <= 0 || layers <= 0 || heads <= 0 || innerSize <= 0) {
            throw invalid("vocab_size, n_positions, n_embd, n_layer, n_head and n_inner must be positive");
        }
        if (hiddenSize % heads != 0) {
            throw invalid("n_embd (" + hiddenSize + ") must be divisible by n_head (" + heads + ")");
        }
        if (!ACTIVATIONS.contains(activation)) {
            throw invalid("activation_function '" + activation + "' is not supported; use one of " + ACTIVATIONS);
        }
        if (!(layerNormEpsilon > 0) || !Double.isFinite(layerNormEpsilon)) {
            throw invalid("layer_norm_epsilon must be a positive number");
        }
        checkToken("bos_token_id", bosTokenId, vocabSize);
        checkToken("eos_token_id", eosTokenId, vocabSize);
    }

    /** A GPT-2 with Hugging Face's defaults for everything but the shape. */
    public static Gpt2Config of(int vocabSize, int positions, int hiddenSize, int layers, int heads) {
        return new Gpt2Config(vocabSize, positions, hiddenSize, layers, heads, defaultInnerSize(hiddenSize), "gelu_new", 1e-5, true, false,
                vocabSize - 1, vocabSize - 1);
    }

    public int headDim() {
        return hiddenSize / heads;
    }

    public ModelGeometry geometry() {
        return new ModelGeometry("gpt2", 0, layers, heads, headDim(), hiddenSize, vocabSize, positions);
    }

    /** Reads {@code config.json} of a model directory, checking every key's type and range. */
    public static Gpt2Config read(Path modelDirectory) {
        return ConfigJson.read(modelDirectory, json -> {
            json.requireModelType("gpt2");
            int hidden = json.size("n_embd");
            int vocab = json.size("vocab_size");
            OptionalInt inner = json.optionalSize("n_inner");
            return new Gpt2Config(
                    vocab,
                    json.size("n_positions"),
                    hidden,
                    json.size("n_layer"),
                    json.size("n_head"),
                    inner.isPresent() ? inner.getAsInt() : defaultInnerSize(hidden),
                    json.text("activation_function", "gelu_new"),
                    json.positiveNumber("layer_norm_epsilon", 1e-5),
                    json.bool("scale_attn_weights", true),
                    json.bool("scale_attn_by_inverse_layer_idx", false),
                    json.tokenId("bos_token_id", vocab - 1),
                    json.tokenId("eos_token_id", vocab - 1));
        });
    }

    /** Hugging Face's {@code n_inner: null}: four times {@code n_embd}. */
    private static int defaultInnerSize(int hiddenSize) {
        long inner = 4L * hiddenSize;
        if (inner > Integer.MAX_VALUE) {
            throw invalid("\"n_inner\" is null, so it would be 4 * n_embd = " + inner + ", more than peft4j supports (" + Integer.MAX_VALUE + ")");
        }
        return (int) inner;
    }

    /** Writes this config as Hugging Face's {@code GPT2Config} would, atomically. */
    public String toJson() {
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.putArray("architectures").add("GPT2LMHeadModel");
        json.put("model_type", "gpt2");
        json.put("vocab_size", vocabSize);
        json.put("n_positions", positions);
        json.put("n_ctx", positions);
        json.put("n_embd", hiddenSize);
        json.put("n_layer", layers);
        json.put("n_head", heads);
        if (innerSize == 4 * hiddenSize) {
            json.putNull("n_inner");
        }
        else {
            json.put("n_inner", innerSize);
        }
        json.put("activation_function", activation);
        json.put("layer_norm_epsilon", layerNormEpsilon);
        json.put("scale_attn_weights", scaleAttentionWeights);
        json.put("scale_attn_by_inverse_layer_idx", scaleByInverseLayerIndex);
        json.put("reorder_and_upcast_attn", false);
        json.put("initializer_range", 0.02);
        json.put("attn_pdrop", 0.1);
        json.put("embd_pdrop", 0.1);
        json.put("resid_pdrop", 0.1);
        json.put("bos_token_id", bosTokenId);
        json.put("eos_token_id", eosTokenId);
        json.put("use_cache", true);
        json.put("torch_dtype", "float32");
        return json.toPrettyString();
    }

    private static void checkToken(String key, long id, int vocabSize) {
        if (id < 0 || id >= vocabSize) {
            throw invalid(key + " " + id + " is outside the vocabulary [0, " + vocabSize + ")");
        }
    }

    private static PeftException invalid(String message) {
        return new PeftException(StandardErrorCode.MALFORMED_CONFIG, message);
    }
}
