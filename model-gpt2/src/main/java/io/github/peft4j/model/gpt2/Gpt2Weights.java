package io.github.peft4j.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.model.ConfigJson;
import io.github.peft4j.core.safetensors.SafetensorsCheckpoint;
import io.github.peft4j.core.safetensors.TensorInfo;
import io.github.peft4j.core.torch.FusedOps;
import io.github.peft4j.spi.FrozenWeightPrecision;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * GPT-2's weights under their Hugging Face names without the optional {@code transformer.} prefix, checked
 * against the config's shapes. The causal-mask buffers ({@code attn.bias}, {@code attn.masked_bias}) and a
 * {@code lm_head.weight} (always tied to {@code wte}) are not loaded.
 */
final class Gpt2Weights {
    private static final String OPTIONAL_PREFIX = "transformer.";

    /**
     * A Hugging Face {@code Conv1D}, {@code x W + b} with {@code W} stored {@code [in, out]}; with bfloat16 copies of
     * both when the backend computes frozen products in bf16.
     */
    static final class Projection {
        final NDArray weight;
        final NDArray bias;
        private NDArray weightBf16;
        private NDArray biasBf16;

        Projection(NDArray weight, NDArray bias, FrozenWeightPrecision precision) {
            this.weight = weight;
            this.bias = bias;
            if (precision == FrozenWeightPrecision.BF16) {
                try (NDArray transposed = weight.transpose()) {
                    weightBf16 = FusedOps.toBf16(transposed);
                }
                biasBf16 = FusedOps.toBf16(bias);
            }
        }

        /**
         * The bfloat16 copies {@code [out, in]} and {@code [out]}, or null when the backend computes in float32 or the
         * weight has been trained: a weight seen requiring a gradient (a fine-tuning baseline) drops its copies for
         * good, since they would not follow its updates.
         */
        synchronized NDArray[] bf16() {
            if (weightBf16 != null && weight.hasGradient()) {
                weightBf16.close();
                biasBf16.close();
                weightBf16 = null;
                biasBf16 = null;
            }
            return weightBf16 == null ? null : new NDArray[] {weightBf16, biasBf16};
        }
    }

    /** One transformer block's weights. */
    record Block(
            NDArray ln1Weight, NDArray ln1Bias,
            Projection qkv, Projection attentionOut,
            NDArray ln2Weight, NDArray ln2Bias,
            Projection mlpIn, Projection mlpOut) {}

    private final Map<String, NDArray> byName;
    final NDArray tokenEmbedding;
    final NDArray positionEmbedding;
    final List<Block> blocks;
    final NDArray finalNormWeight;
    final NDArray finalNormBias;

    private Gpt2Weights(Map<String, NDArray> byName, int layers, FrozenWeightPrecision precision) {
        this.byName = Collections.unmodifiableMap(byName);
        this.tokenEmbedding = byName.get("wte.weight");
        this.positionEmbedding = byName.get("wpe.weight");
        this.blocks = IntStream.range(0, layers).mapToObj(i -> {
            String p = "h." + i + ".";
            return new Block(
                    byName.get(p + "ln_1.weight"), byName.get(p + "ln_1.bias"),
                    projection(p + "attn.c_attn", precision), projection(p + "attn.c_proj", precision),
                    byName.get(p + "ln_2.weight"), byName.get(p + "ln_2.bias"),
                    projection(p + "mlp.c_fc", precision), projection(p + "mlp.c_proj", precision));
        }).toList();
        this.finalNormWeight = byName.get("ln_f.weight");
        this.finalNormBias = byName.get("ln_f.bias");
    }

    private Projection projection(String name, FrozenWeightPrecision precision) {
        return new Projection(byName.get(name + ".weight"), byName.get(name + ".bias"), precision);
    }

    /** The names and shapes a checkpoint of {@code config} must hold, in Hugging Face's order. */
    static Map<String, Shape> expectedShapes(Gpt2Config config) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        long d = config.hiddenSize();
        shapes.put("wte.weight", new Shape(config.vocabSize(), d));
        shapes.put("wpe.weight", new Shape(config.positions(), d));
        for (int i = 0; i < config.layers(); i++) {
            String p = "h." + i + ".";
            shapes.put(p + "ln_1.weight", new Shape(d));
            shapes.put(p + "ln_1.bias", new Shape(d));
            shapes.put(p + "attn.c_attn.weight", new Shape(d, 3 * d));
            shapes.put(p + "attn.c_attn.bias", new Shape(3 * d));
            shapes.put(p + "attn.c_proj.weight", new Shape(d, d));
            shapes.put(p + "attn.c_proj.bias", new Shape(d));
            shapes.put(p + "ln_2.weight", new Shape(d));
            shapes.put(p + "ln_2.bias", new Shape(d));
            shapes.put(p + "mlp.c_fc.weight", new Shape(d, config.innerSize()));
            shapes.put(p + "mlp.c_fc.bias", new Shape(config.innerSize()));
            shapes.put(p + "mlp.c_proj.weight", new Shape(config.innerSize(), d));
            shapes.put(p + "mlp.c_proj.bias", new Shape(d));
        }
        shapes.put("ln_f.weight", new Shape(d));
        shapes.put("ln_f.bias", new Shape(d));
        return shapes;
    }

    /**
     * Loads and validates every weight of {@code config} from {@code checkpoint} into {@code manager}, with bfloat16
     * copies of the projections when {@code precision} asks for them.
     */
    static Gpt2Weights load(SafetensorsCheckpoint checkpoint, Gpt2Config config, NDManager manager, FrozenWeightPrecision precision) {
        String prefix = checkpoint.contains("wte.weight") || !checkpoint.contains(OPTIONAL_PREFIX + "wte.weight") ? "" : OPTIONAL_PREFIX;
        // The config's sizes against the tensors first: the expected shapes below are built per layer.
        ConfigJson.requireLayerCount(checkpoint, "n_layer", config.layers(), prefix + "h.");
        ConfigJson.requireSize(checkpoint, "vocab_size", config.vocabSize(), prefix + "wte.weight", 0, 0);
        ConfigJson.requireSize(checkpoint, "n_embd", config.hiddenSize(), prefix + "wte.weight", 1, 0);
        ConfigJson.requireSize(checkpoint, "n_positions", config.positions(), prefix + "wpe.weight", 0, 0);
        Map<String, Shape> expected = expectedShapes(config);
        // Check every header first, so that a bad checkpoint fails before any memory is used.
        expected.forEach((name, shape) -> {
            String stored = prefix + name;
            if (!checkpoint.contains(stored)) {
                throw new PeftException(StandardErrorCode.MISSING_TENSOR, "The checkpoint in " + checkpoint.directory() + " has no tensor '"
                        + stored + "', which a GPT-2 with " + config.layers() + " layers needs. Is config.json the one of these weights?");
            }
            TensorInfo info = checkpoint.info(stored);
            if (!info.shape().equals(shape)) {
                throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Tensor '" + stored + "' in " + checkpoint.directory() + " has shape "
                        + info.shape() + " but config.json implies " + shape + ". Is config.json the one of these weights?");
            }
        });
        Map<String, NDArray> byName = new LinkedHashMap<>();
        expected.keySet().forEach(name -> {
            NDArray array = checkpoint.loadWeight(prefix + name, manager);
            array.setName(name);
            byName.put(name, array);
        });
        return new Gpt2Weights(byName, config.layers(), precision);
    }

    /** Every weight by name, in checkpoint order. */
    Map<String, NDArray> byName() {
        return byName;
    }
}
