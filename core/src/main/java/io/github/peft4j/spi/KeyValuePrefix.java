package io.github.peft4j.spi;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;

/**
 * Keys and values prepended to one attention of one layer, each {@code [batch or 1, heads, P, headDim]}; a
 * leading 1 broadcasts over the batch.
 */
public record KeyValuePrefix(NDArray keys, NDArray values) {
    public KeyValuePrefix {
        requireNonNull(keys, "keys");
        requireNonNull(values, "values");
        if (keys.getShape().dimension() != 4 || !keys.getShape().equals(values.getShape())) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH,
                    "A prefix needs keys and values of one shape [batch, heads, P, headDim]; got keys "
                            + keys.getShape() + " and values " + values.getShape());
        }
    }

    /** The number of virtual tokens P. */
    public int length() {
        return Math.toIntExact(keys.getShape().get(2));
    }
}
