package io.github.peft4j.model.gpt2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
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
    public static final String FILE_NAME = "config.json";
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
        if (!(layerNormEpsilon > 0)) {
            throw invalid("layer_norm_epsilon must be positive");
        }
    }

    /** A GPT-2 with Hugging Face's defaults for everything but the shape. */
    public static Gpt2Config of(int vocabSize, int positions, int hiddenSize, int layers, int heads) {
        return new Gpt2Config(vocabSize, positions, hiddenSize, layers, heads, 4 * hiddenSize, "gelu_new", 1e-5, true, false,
                vocabSize - 1, vocabSize - 1);
    }

    public int headDim() {
        return hiddenSize / heads;
    }

    public ModelGeometry geometry() {
        return new ModelGeometry("gpt2", 0, layers, heads, headDim(), hiddenSize, vocabSize, positions);
    }

    /** Reads {@code config.json} of a model directory. */
    public static Gpt2Config read(Path modelDirectory) {
        Path file = modelDirectory.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "Model directory " + modelDirectory + " has no " + FILE_NAME
                    + "; point --model at a Hugging Face model directory");
        }
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(file.toFile());
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (json == null || !json.isObject()) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, file + " must hold a JSON object");
        }
        try {
            String modelType = json.path("model_type").asText("gpt2");
            if (!modelType.equals("gpt2")) {
                throw invalid("model_type is '" + modelType + "', not 'gpt2'");
            }
            int hidden = requiredInt(json, "n_embd");
            JsonNode inner = json.get("n_inner");
            int vocab = requiredInt(json, "vocab_size");
            return new Gpt2Config(
                    vocab,
                    requiredInt(json, "n_positions"),
                    hidden,
                    requiredInt(json, "n_layer"),
                    requiredInt(json, "n_head"),
                    inner == null || inner.isNull() ? 4 * hidden : asInt(inner, "n_inner"),
                    json.path("activation_function").asText("gelu_new"),
                    json.path("layer_norm_epsilon").asDouble(1e-5),
                    json.path("scale_attn_weights").asBoolean(true),
                    json.path("scale_attn_by_inverse_layer_idx").asBoolean(false),
                    json.path("bos_token_id").asLong(vocab - 1),
                    json.path("eos_token_id").asLong(vocab - 1));
        }
        catch (PeftException e) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, file + ": " + e.getMessage(), e);
        }
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

    private static int requiredInt(JsonNode json, String key) {
        JsonNode value = json.get(key);
        if (value == null || value.isNull()) {
            throw invalid("the key \"" + key + "\" is missing");
        }
        return asInt(value, key);
    }

    private static int asInt(JsonNode value, String key) {
        if (!value.canConvertToInt() || !value.isIntegralNumber()) {
            throw invalid(String.format(Locale.ROOT, "\"%s\" must be an integer, got %s", key, value));
        }
        return value.asInt();
    }

    private static PeftException invalid(String message) {
        return new PeftException(StandardErrorCode.MALFORMED_CONFIG, message);
    }
}
