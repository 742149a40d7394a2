package io.github.peft4j.core.format;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A fixed prefix for one attention site: per layer, keys and values {@code [1, heads, P, headDim]}, and where
 * real tokens' positions start (P as Hugging Face PEFT numbers them, or 0).
 */
public record LayerPrefixes(AttentionSite site, List<KeyValuePrefix> layers, int positionOffset) {
    public LayerPrefixes {
        requireNonNull(site, "site");
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "A prefix needs at least one layer");
        }
        int length = layers.get(0).length();
        for (KeyValuePrefix layer : layers) {
            if (layer.length() != length) {
                throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Every layer's prefix must have the same length");
            }
        }
    }

    /** The number of virtual tokens P. */
    public int length() {
        return layers.get(0).length();
    }

    /** Hooks that prepend this prefix at its site in every layer. */
    public AdapterHooks hooks() {
        return new AdapterHooks() {
            @Override
            public Optional<KeyValuePrefix> attentionPrefix(AttentionSite asked, int layer) {
                return asked == site && layer < layers.size() ? Optional.of(layers.get(layer)) : Optional.empty();
            }

            @Override
            public int positionOffset(Stack stack) {
                return stack == site.stack() ? positionOffset : 0;
            }
        };
    }

    /**
     * The rows layout {@code [P, L*2*d]} of PEFT's {@code prompt_embeddings}: row p holds, for each layer l and
     * kv in (key, value), head h and x, the value at {@code ((l*2 + kv)*H + h)*headDim + x}.
     */
    public NDArray toRows() {
        NDList parts = new NDList();
        for (KeyValuePrefix layer : layers) {
            parts.add(layer.keys().get(new NDIndex("0")));
            parts.add(layer.values().get(new NDIndex("0")));
        }
        // [L*2, H, P, D] -> [P, L*2, H, D] -> [P, L*2*H*D]
        NDArray stacked = NDArrays.stack(parts, 0);
        long prefixLength = length();
        return stacked.transpose(2, 0, 1, 3).reshape(prefixLength, -1);
    }

    /** {@code L*2*d}, the width of a row of {@link #toRows()} for {@code stack}. */
    public static long rowWidth(ModelGeometry geometry, Stack stack) {
        return 2L * geometry.layers(stack) * geometry.hiddenSize();
    }

    /** The inverse of {@link #toRows()}: rows {@code [P, L*2*d]} of a model with {@code geometry}'s shape. */
    public static LayerPrefixes fromRows(NDArray rows, ModelGeometry geometry, AttentionSite site, int positionOffset) {
        int layers = geometry.layers(site.stack());
        long[] shape = rows.getShape().getShape();
        long width = rowWidth(geometry, site.stack());
        if (shape.length != 2 || shape[1] != width) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Prefix rows must be [P, layers*2*hidden] = [P, " + width
                    + "] for this model (" + layers + " layers, hidden " + geometry.hiddenSize() + "); got " + rows.getShape());
        }
        // [P, L*2*H*D] -> [P, L, 2, H, D] -> [L, 2, H, P, D]
        NDArray split = rows.reshape(shape[0], layers, 2, geometry.heads(), geometry.headDim()).transpose(1, 2, 3, 0, 4);
        List<KeyValuePrefix> result = new ArrayList<>(layers);
        for (int layer = 0; layer < layers; layer++) {
            result.add(new KeyValuePrefix(
                    split.get(new NDIndex("{}, 0", layer)).expandDims(0),
                    split.get(new NDIndex("{}, 1", layer)).expandDims(0)));
        }
        return new LayerPrefixes(site, result, positionOffset);
    }
}
