package io.github.peft4j.model.bart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.core.model.ConfigJson;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * The keys of a BART {@code config.json} that change the computation (Hugging Face's {@code BartConfig}).
 *
 * <p>Only the post-LayerNorm BART of {@code BartForConditionalGeneration} is computed: {@code normalize_before},
 * {@code add_final_layer_norm}, {@code static_position_embeddings}, {@code add_bias_logits} (keys of old fairseq
 * conversions that Hugging Face's BART no longer honours) must be absent or false and {@code normalize_embedding}
 * absent or true, so that a pre-LN model (mBART style) is refused rather than computed wrongly.
 *
 * @param maxPositions {@code max_position_embeddings}; the position tables hold 2 more rows (BART's offset)
 * @param hiddenSize {@code d_model}
 * @param heads {@code encoder_attention_heads}, which must equal {@code decoder_attention_heads}
 * @param activation {@code activation_function}: {@code gelu} (erf), {@code gelu_new} and its aliases (tanh
 *     form), {@code relu}, {@code silu}/{@code swish} or {@code tanh}
 * @param scaleEmbedding multiply token embeddings by {@code sqrt(d_model)} ({@code scale_embedding})
 * @param tieWordEmbeddings the LM head is {@code model.shared} ({@code tie_word_embeddings}, default true);
 *     otherwise {@code lm_head.weight} is its own tensor
 */
public record BartConfig(
        int vocabSize,
        int maxPositions,
        int hiddenSize,
        int encoderLayers,
        int decoderLayers,
        int heads,
        int encoderFfnSize,
        int decoderFfnSize,
        String activation,
        boolean scaleEmbedding,
        boolean tieWordEmbeddings,
        long padTokenId,
        long bosTokenId,
        long eosTokenId,
        long decoderStartTokenId) {
    public static final String FILE_NAME = ConfigJson.FILE_NAME;
    /** BART's learned positions are looked up at {@code position + 2} (a fairseq legacy). */
    public static final int POSITION_OFFSET = 2;
    /** {@code nn.LayerNorm}'s default: BART has no configuration key for it. */
    public static final float LAYER_NORM_EPSILON = 1e-5f;
    static final Set<String> ACTIVATIONS = Set.of("gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu", "silu", "swish", "tanh");

    public BartConfig {
        if (vocabSize <= 0 || maxPositions <= 0 || hiddenSize <= 0 || encoderLayers <= 0 || decoderLayers <= 0 || heads <= 0
                || encoderFfnSize <= 0 || decoderFfnSize <= 0) {
            throw invalid("vocab_size, max_position_embeddings, d_model, encoder_layers, decoder_layers, the attention heads and the"
                    + " ffn dims must be positive");
        }
        if (hiddenSize % heads != 0) {
            throw invalid("d_model (" + hiddenSize + ") must be divisible by the attention heads (" + heads + ")");
        }
        if (!ACTIVATIONS.contains(activation)) {
            throw invalid("activation_function '" + activation + "' is not supported; use one of " + ACTIVATIONS);
        }
        checkToken("pad_token_id", padTokenId, vocabSize);
        checkToken("bos_token_id", bosTokenId, vocabSize);
        checkToken("eos_token_id", eosTokenId, vocabSize);
        checkToken("decoder_start_token_id", decoderStartTokenId, vocabSize);
    }

    /** A BART with Hugging Face's defaults for everything but the shape: ffn 4x wide, BART's special tokens. */
    public static BartConfig of(int vocabSize, int maxPositions, int hiddenSize, int layers, int heads) {
        return new BartConfig(vocabSize, maxPositions, hiddenSize, layers, layers, heads, 4 * hiddenSize, 4 * hiddenSize, "gelu", false, true,
                1, 0, 2, 2);
    }

    public int headDim() {
        return hiddenSize / heads;
    }

    public ModelGeometry geometry() {
        return new ModelGeometry("bart", encoderLayers, decoderLayers, heads, headDim(), hiddenSize, vocabSize, maxPositions);
    }

    /** Reads {@code config.json} of a model directory, checking every key's type and range. */
    public static BartConfig read(Path modelDirectory) {
        return ConfigJson.read(modelDirectory, json -> {
            json.requireModelType("bart");
            requireFlag(json, "normalize_before", false, "pre-LayerNorm models (mBART style) are not supported");
            requireFlag(json, "add_final_layer_norm", false, "a final LayerNorm per stack (mBART style) is not supported");
            requireFlag(json, "static_position_embeddings", false, "sinusoidal positions are not supported");
            requireFlag(json, "add_bias_logits", false, "it is not supported");
            requireFlag(json, "normalize_embedding", true, "BART always normalises its embeddings");
            int encoderHeads = json.size("encoder_attention_heads");
            int decoderHeads = json.size("decoder_attention_heads");
            if (encoderHeads != decoderHeads) {
                throw invalid("encoder_attention_heads (" + encoderHeads + ") and decoder_attention_heads (" + decoderHeads
                        + ") differ, which peft4j does not support");
            }
            int maxPositions = json.size("max_position_embeddings");
            if (maxPositions > Integer.MAX_VALUE - POSITION_OFFSET) {
                throw invalid("\"max_position_embeddings\" is " + maxPositions + "; with BART's " + POSITION_OFFSET
                        + " extra rows the position table would exceed " + Integer.MAX_VALUE + " rows");
            }
            return new BartConfig(
                    json.size("vocab_size"),
                    maxPositions,
                    json.size("d_model"),
                    json.size("encoder_layers"),
                    json.size("decoder_layers"),
                    encoderHeads,
                    json.size("encoder_ffn_dim"),
                    json.size("decoder_ffn_dim"),
                    json.text("activation_function", "gelu"),
                    json.bool("scale_embedding", false),
                    json.bool("tie_word_embeddings", true),
                    json.tokenId("pad_token_id", 1),
                    json.tokenId("bos_token_id", 0),
                    json.tokenId("eos_token_id", 2),
                    json.tokenId("decoder_start_token_id", 2));
        });
    }

    /** This config as Hugging Face's {@code BartConfig} writes it, with BART's generation defaults. */
    public String toJson() {
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("activation_dropout", 0.1);
        json.put("activation_function", activation);
        json.put("add_bias_logits", false);
        json.put("add_final_layer_norm", false);
        json.putArray("architectures").add("BartForConditionalGeneration");
        json.put("attention_dropout", 0.1);
        json.put("bos_token_id", bosTokenId);
        json.put("classifier_dropout", 0.0);
        json.put("d_model", hiddenSize);
        json.put("decoder_attention_heads", heads);
        json.put("decoder_ffn_dim", decoderFfnSize);
        json.put("decoder_layerdrop", 0.0);
        json.put("decoder_layers", decoderLayers);
        json.put("decoder_start_token_id", decoderStartTokenId);
        json.put("dropout", 0.1);
        json.put("encoder_attention_heads", heads);
        json.put("encoder_ffn_dim", encoderFfnSize);
        json.put("encoder_layerdrop", 0.0);
        json.put("encoder_layers", encoderLayers);
        json.put("eos_token_id", eosTokenId);
        json.put("forced_bos_token_id", bosTokenId);
        json.put("forced_eos_token_id", eosTokenId);
        json.put("init_std", 0.02);
        json.put("is_encoder_decoder", true);
        json.put("max_position_embeddings", maxPositions);
        json.put("model_type", "bart");
        json.put("normalize_before", false);
        json.put("normalize_embedding", true);
        json.put("num_hidden_layers", encoderLayers);
        json.put("pad_token_id", padTokenId);
        json.put("scale_embedding", scaleEmbedding);
        if (!tieWordEmbeddings) {
            json.put("tie_word_embeddings", false);
        }
        json.put("torch_dtype", "float32");
        json.put("use_cache", true);
        json.put("vocab_size", vocabSize);
        return json.toPrettyString();
    }

    private static void requireFlag(ConfigJson json, String key, boolean required, String why) {
        if (json.bool(key, required) != required) {
            throw invalid("\"" + key + "\" is " + !required + ": " + why);
        }
    }

    static int asInt(JsonNode value, String key) {
        if (!value.canConvertToInt() || !value.isIntegralNumber()) {
            throw invalid(String.format(Locale.ROOT, "\"%s\" must be an integer, got %s", key, value));
        }
        return value.asInt();
    }

    private static void checkToken(String key, long id, int vocabSize) {
        if (id < 0 || id >= vocabSize) {
            throw invalid(key + " " + id + " is outside the vocabulary [0, " + vocabSize + ")");
        }
    }

    static PeftException invalid(String message) {
        return new PeftException(StandardErrorCode.MALFORMED_CONFIG, message);
    }
}
