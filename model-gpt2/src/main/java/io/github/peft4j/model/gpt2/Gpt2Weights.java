package io.github.peft4j.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.safetensors.SafetensorsCheckpoint;
import io.github.peft4j.core.safetensors.TensorInfo;
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

    /** One transformer block's weights; Conv1D weights are {@code [in, out]}. */
    record Block(
            NDArray ln1Weight, NDArray ln1Bias,
            NDArray qkvWeight, NDArray qkvBias,
            NDArray attentionOutWeight, NDArray attentionOutBias,
            NDArray ln2Weight, NDArray ln2Bias,
            NDArray mlpInWeight, NDArray mlpInBias,
            NDArray mlpOutWeight, NDArray mlpOutBias) {}

    private final Map<String, NDArray> byName;
    final NDArray tokenEmbedding;
    final NDArray positionEmbedding;
    final List<Block> blocks;
    final NDArray finalNormWeight;
    final NDArray finalNormBias;

    private Gpt2Weights(Map<String, NDArray> byName, int layers) {
        this.byName = Collections.unmodifiableMap(byName);
        this.tokenEmbedding = byName.get("wte.weight");
        this.positionEmbedding = byName.get("wpe.weight");
        this.blocks = IntStream.range(0, layers).mapToObj(i -> {
            String p = "h." + i + ".";
            return new Block(
                    byName.get(p + "ln_1.weight"), byName.get(p + "ln_1.bias"),
                    byName.get(p + "attn.c_attn.weight"), byName.get(p + "attn.c_attn.bias"),
                    byName.get(p + "attn.c_proj.weight"), byName.get(p + "attn.c_proj.bias"),
                    byName.get(p + "ln_2.weight"), byName.get(p + "ln_2.bias"),
                    byName.get(p + "mlp.c_fc.weight"), byName.get(p + "mlp.c_fc.bias"),
                    byName.get(p + "mlp.c_proj.weight"), byName.get(p + "mlp.c_proj.bias"));
        }).toList();
        this.finalNormWeight = byName.get("ln_f.weight");
        this.finalNormBias = byName.get("ln_f.bias");
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

    /** Loads and validates every weight of {@code config} from {@code checkpoint} into {@code manager}. */
    static Gpt2Weights load(SafetensorsCheckpoint checkpoint, Gpt2Config config, NDManager manager) {
        String prefix = checkpoint.contains("wte.weight") || !checkpoint.contains(OPTIONAL_PREFIX + "wte.weight") ? "" : OPTIONAL_PREFIX;
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
            NDArray stored = checkpoint.load(prefix + name, manager);
            NDArray array = stored.toType(DataType.FLOAT32, false);
            if (array != stored) {
                stored.close();
            }
            array.setName(name);
            byName.put(name, array);
        });
        return new Gpt2Weights(byName, config.layers());
    }

    /** Every weight by name, in checkpoint order. */
    Map<String, NDArray> byName() {
        return byName;
    }
}
