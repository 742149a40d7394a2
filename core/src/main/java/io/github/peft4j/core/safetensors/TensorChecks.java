package io.github.peft4j.core.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;

/** Checks on tensor values read from a user's file, made before the values reach training or generation. */
public final class TensorChecks {
    private TensorChecks() {}

    /**
     * Refuses {@code values} if any element is NaN or infinite: such a tensor would silently turn every output into
     * NaN. Integer tensors always pass.
     *
     * @param where names the tensor for the message, e.g. {@code "prompt_embeddings in /runs/a/adapter_model.safetensors"}
     */
    public static void requireFinite(NDArray values, String where) {
        DataType type = values.getDataType();
        if (!type.isFloating() || values.isEmpty()) {
            return;
        }
        // One read-only pass decides for almost every tensor: a sum is finite only if every element is (NaN and
        // infinity propagate through addition). A non-finite sum may still be an overflow of finite values, so
        // only then does the exact element-wise check run.
        try (NDArray sum = values.sum()) {
            if (Double.isFinite(sum.toType(DataType.FLOAT64, false).getDouble())) {
                return;
            }
        }
        try (NDArray nan = values.isNaN(); NDArray infinite = values.isInfinite(); NDArray bad = nan.logicalOr(infinite);
                NDArray any = bad.any()) {
            if (!any.getBoolean()) {
                return;
            }
            long first;
            long count;
            try (NDArray flat = bad.flatten(); NDArray asInt = flat.toType(DataType.INT32, false); NDArray index = asInt.argMax();
                    NDArray total = asInt.sum()) {
                first = index.getLong();
                count = total.toType(DataType.INT64, false).getLong();
            }
            throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, String.format(java.util.Locale.ROOT,
                    "%s holds %,d non-finite value(s) (NaN or infinity), the first at flat index %,d of shape %s: the file is corrupt or was"
                            + " written by a run that diverged. Use another file, or retrain from an earlier checkpoint",
                    where, count, first, values.getShape()));
        }
    }
}
