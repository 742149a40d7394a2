package io.github.peft4j.core.training;

import ai.djl.ndarray.NDArray;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The paper's baselines as trainable sets of the backend's own weights: all of them (fine-tuning), or those of
 * the top k layers (FT-top-k; GPT-2's {@code h.{i}.*}, BART's {@code layers.{i}.*}, plus what follows the last
 * layer such as the final LayerNorm).
 */
public final class BaseWeights implements Trainer.Trainable {
    private static final Pattern LAYER = Pattern.compile("(?:^|\\.)(?:h|layers)\\.(\\d+)\\.");

    private final Map<String, NDArray> parameters;

    private BaseWeights(Map<String, NDArray> parameters) {
        this.parameters = parameters;
    }

    public static BaseWeights all(ModelBackend backend) {
        return new BaseWeights(backend.baseParameters());
    }

    public static BaseWeights topLayers(ModelBackend backend, int layers) {
        int total = backend.geometry().decoderLayers();
        if (layers <= 0 || layers > total) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "--top-k must be between 1 and the model's " + total + " layers; got " + layers);
        }
        Map<String, NDArray> selected = new LinkedHashMap<>();
        backend.baseParameters().forEach((name, array) -> {
            OptionalInt layer = layerOf(name);
            // What follows the last layer: GPT-2's final LayerNorm, or a decoder's final layer_norm (not its layernorm_embedding).
            boolean afterLastLayer = layer.isEmpty() && (name.startsWith("ln_f.") || name.contains("decoder.layer_norm."));
            if (afterLastLayer || (layer.isPresent() && layer.getAsInt() >= total - layers && !name.contains("encoder."))) {
                selected.put(name, array);
            }
        });
        return new BaseWeights(selected);
    }

    static OptionalInt layerOf(String name) {
        Matcher matcher = LAYER.matcher(name);
        return matcher.find() ? OptionalInt.of(Integer.parseInt(matcher.group(1))) : OptionalInt.empty();
    }

    @Override
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    @Override
    public AdapterHooks hooks(ForwardContext context) {
        return AdapterHooks.NONE;
    }
}
