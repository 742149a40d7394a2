package io.github.peft4j.model.bart;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.model.ConfigJson;
import io.github.peft4j.core.safetensors.SafetensorsCheckpoint;
import io.github.peft4j.core.safetensors.TensorInfo;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * BART's weights under their Hugging Face names without the {@code model.} prefix that
 * {@code BartForConditionalGeneration} checkpoints carry ({@code BartModel} checkpoints such as
 * {@code facebook/bart-base} have none): both forms load. Linear weights are {@code [out, in]} as in PyTorch.
 *
 * <p>The token embedding is {@code shared.weight}; its tied copies ({@code encoder.embed_tokens.weight},
 * {@code decoder.embed_tokens.weight}, {@code lm_head.weight}) are ignored when it is present and stand in for it
 * when it is not (some conversions keep only one of the tied tensors). {@code final_logits_bias} is a buffer:
 * optional (zeros when absent, as Hugging Face initialises it) and not among {@link #byName()}, like every tied
 * copy. With {@code tie_word_embeddings: false} the checkpoint's own {@code lm_head.weight} is required (and is a
 * parameter of its own).
 */
final class BartWeights {
    static final String MODEL_PREFIX = "model.";
    static final String SHARED = "shared.weight";
    static final String FINAL_LOGITS_BIAS = "final_logits_bias";
    static final String LM_HEAD = "lm_head.weight";
    private static final List<String> TIED_COPIES = List.of("encoder.embed_tokens.weight", "decoder.embed_tokens.weight");

    /** The four projections of one attention, each {@code [d, d]} and {@code [d]}. */
    record Attention(
            NDArray queryWeight, NDArray queryBias,
            NDArray keyWeight, NDArray keyBias,
            NDArray valueWeight, NDArray valueBias,
            NDArray outWeight, NDArray outBias) {}

    /** A LayerNorm's scale and shift. */
    record Norm(NDArray weight, NDArray bias) {}

    /** One encoder or decoder layer; {@code cross} and {@code crossNorm} are null in the encoder. */
    record Layer(
            Attention self, Norm selfNorm,
            Attention cross, Norm crossNorm,
            NDArray fc1Weight, NDArray fc1Bias,
            NDArray fc2Weight, NDArray fc2Bias,
            Norm finalNorm) {}

    /** One stack: learned positions, the embedding LayerNorm and the layers. */
    record StackWeights(NDArray positions, Norm embeddingNorm, List<Layer> layers) {}

    private final Map<String, NDArray> byName;
    final NDArray shared;
    final NDArray lmHead;
    final NDArray finalLogitsBias;
    final StackWeights encoder;
    final StackWeights decoder;

    private BartWeights(Map<String, NDArray> byName, NDArray lmHead, NDArray finalLogitsBias, BartConfig config) {
        this.byName = Collections.unmodifiableMap(byName);
        this.shared = byName.get(SHARED);
        this.lmHead = lmHead == null ? shared : lmHead;
        this.finalLogitsBias = finalLogitsBias;
        this.encoder = stack("encoder", config.encoderLayers(), false);
        this.decoder = stack("decoder", config.decoderLayers(), true);
    }

    private StackWeights stack(String name, int layers, boolean decoder) {
        List<Layer> built = IntStream.range(0, layers).mapToObj(i -> {
            String p = name + ".layers." + i + ".";
            return new Layer(
                    attention(p + "self_attn."), norm(p + "self_attn_layer_norm."),
                    decoder ? attention(p + "encoder_attn.") : null, decoder ? norm(p + "encoder_attn_layer_norm.") : null,
                    byName.get(p + "fc1.weight"), byName.get(p + "fc1.bias"),
                    byName.get(p + "fc2.weight"), byName.get(p + "fc2.bias"),
                    norm(p + "final_layer_norm."));
        }).toList();
        return new StackWeights(byName.get(name + ".embed_positions.weight"), norm(name + ".layernorm_embedding."), built);
    }

    private Attention attention(String p) {
        return new Attention(
                byName.get(p + "q_proj.weight"), byName.get(p + "q_proj.bias"),
                byName.get(p + "k_proj.weight"), byName.get(p + "k_proj.bias"),
                byName.get(p + "v_proj.weight"), byName.get(p + "v_proj.bias"),
                byName.get(p + "out_proj.weight"), byName.get(p + "out_proj.bias"));
    }

    private Norm norm(String p) {
        return new Norm(byName.get(p + "weight"), byName.get(p + "bias"));
    }

    /**
     * The parameters a checkpoint of {@code config} must hold, without the {@code model.} prefix, in the order of
     * Hugging Face's {@code named_parameters()}.
     */
    static Map<String, Shape> expectedShapes(BartConfig config) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        long d = config.hiddenSize();
        shapes.put(SHARED, new Shape(config.vocabSize(), d));
        stackShapes(shapes, "encoder", config.encoderLayers(), config.encoderFfnSize(), false, config);
        stackShapes(shapes, "decoder", config.decoderLayers(), config.decoderFfnSize(), true, config);
        return shapes;
    }

    private static void stackShapes(Map<String, Shape> shapes, String stack, int layers, int ffn, boolean decoder, BartConfig config) {
        long d = config.hiddenSize();
        shapes.put(stack + ".embed_positions.weight", new Shape((long) config.maxPositions() + BartConfig.POSITION_OFFSET, d));
        for (int i = 0; i < layers; i++) {
            String p = stack + ".layers." + i + ".";
            attentionShapes(shapes, p + "self_attn.", d);
            shapes.put(p + "self_attn_layer_norm.weight", new Shape(d));
            shapes.put(p + "self_attn_layer_norm.bias", new Shape(d));
            if (decoder) {
                attentionShapes(shapes, p + "encoder_attn.", d);
                shapes.put(p + "encoder_attn_layer_norm.weight", new Shape(d));
                shapes.put(p + "encoder_attn_layer_norm.bias", new Shape(d));
            }
            shapes.put(p + "fc1.weight", new Shape(ffn, d));
            shapes.put(p + "fc1.bias", new Shape(ffn));
            shapes.put(p + "fc2.weight", new Shape(d, ffn));
            shapes.put(p + "fc2.bias", new Shape(d));
            shapes.put(p + "final_layer_norm.weight", new Shape(d));
            shapes.put(p + "final_layer_norm.bias", new Shape(d));
        }
        shapes.put(stack + ".layernorm_embedding.weight", new Shape(d));
        shapes.put(stack + ".layernorm_embedding.bias", new Shape(d));
    }

    private static void attentionShapes(Map<String, Shape> shapes, String p, long d) {
        for (String projection : new String[] {"k_proj", "v_proj", "q_proj", "out_proj"}) {
            shapes.put(p + projection + ".weight", new Shape(d, d));
            shapes.put(p + projection + ".bias", new Shape(d));
        }
    }

    /** Loads and validates every weight of {@code config} from {@code checkpoint} into {@code manager}. */
    static BartWeights load(SafetensorsCheckpoint checkpoint, BartConfig config, NDManager manager) {
        String prefix = modelPrefix(checkpoint);
        // The config's sizes against the tensors first: the expected shapes below are built per layer.
        ConfigJson.requireLayerCount(checkpoint, "encoder_layers", config.encoderLayers(), prefix + "encoder.layers.");
        ConfigJson.requireLayerCount(checkpoint, "decoder_layers", config.decoderLayers(), prefix + "decoder.layers.");
        String embedding = sharedSource(checkpoint, prefix, config);
        ConfigJson.requireSize(checkpoint, "vocab_size", config.vocabSize(), embedding, 0, 0);
        ConfigJson.requireSize(checkpoint, "d_model", config.hiddenSize(), embedding, 1, 0);
        ConfigJson.requireSize(checkpoint, "max_position_embeddings", config.maxPositions(), prefix + "encoder.embed_positions.weight", 0,
                BartConfig.POSITION_OFFSET);
        Map<String, Shape> expected = expectedShapes(config);
        // Where each weight is stored; checked before anything is loaded, so that a bad checkpoint fails early.
        Map<String, String> stored = new LinkedHashMap<>();
        expected.forEach((name, shape) -> {
            String source = name.equals(SHARED) ? embedding : prefix + name;
            stored.put(name, source);
            check(checkpoint, source, shape, config);
        });
        Optional<String> lmHead = Optional.empty();
        if (!config.tieWordEmbeddings()) {
            check(checkpoint, LM_HEAD, expected.get(SHARED), config);
            lmHead = Optional.of(LM_HEAD);
        }
        Shape biasShape = new Shape(1, config.vocabSize());
        boolean hasBias = checkpoint.contains(FINAL_LOGITS_BIAS);
        if (hasBias) {
            check(checkpoint, FINAL_LOGITS_BIAS, biasShape, config);
        }

        Map<String, NDArray> byName = new LinkedHashMap<>();
        stored.forEach((name, source) -> byName.put(name, loadFloat(checkpoint, source, name, manager)));
        NDArray head = lmHead.map(name -> loadFloat(checkpoint, name, LM_HEAD, manager)).orElse(null);
        if (head != null) {
            byName.put(LM_HEAD, head);
        }
        NDArray bias = hasBias ? loadFloat(checkpoint, FINAL_LOGITS_BIAS, FINAL_LOGITS_BIAS, manager) : manager.zeros(biasShape);
        bias.setName(FINAL_LOGITS_BIAS);
        return new BartWeights(byName, head, bias, config);
    }

    /** {@code model.} when the checkpoint is a {@code BartForConditionalGeneration}'s, else nothing. */
    private static String modelPrefix(SafetensorsCheckpoint checkpoint) {
        String probe = "encoder.embed_positions.weight";
        return checkpoint.contains(probe) || !checkpoint.contains(MODEL_PREFIX + probe) && checkpoint.contains(SHARED) ? "" : MODEL_PREFIX;
    }

    private static String sharedSource(SafetensorsCheckpoint checkpoint, String prefix, BartConfig config) {
        if (checkpoint.contains(prefix + SHARED)) {
            return prefix + SHARED;
        }
        for (String copy : TIED_COPIES) {
            if (checkpoint.contains(prefix + copy)) {
                return prefix + copy;
            }
        }
        if (config.tieWordEmbeddings() && checkpoint.contains(LM_HEAD)) {
            return LM_HEAD;
        }
        return prefix + SHARED;
    }

    private static void check(SafetensorsCheckpoint checkpoint, String stored, Shape shape, BartConfig config) {
        if (!checkpoint.contains(stored)) {
            throw new PeftException(StandardErrorCode.MISSING_TENSOR, "The checkpoint in " + checkpoint.directory() + " has no tensor '"
                    + stored + "', which a BART with " + config.encoderLayers() + "+" + config.decoderLayers()
                    + " layers needs. Is config.json the one of these weights?");
        }
        TensorInfo info = checkpoint.info(stored);
        if (!info.shape().equals(shape)) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Tensor '" + stored + "' in " + checkpoint.directory() + " has shape "
                    + info.shape() + " but config.json implies " + shape + ". Is config.json the one of these weights?");
        }
    }

    private static NDArray loadFloat(SafetensorsCheckpoint checkpoint, String stored, String name, NDManager manager) {
        NDArray weight = checkpoint.loadWeight(stored, manager);
        weight.setName(name);
        return weight;
    }

    /** Every parameter by its name without {@code model.}, in Hugging Face's order (no buffer, no tied copy). */
    Map<String, NDArray> byName() {
        return byName;
    }
}
