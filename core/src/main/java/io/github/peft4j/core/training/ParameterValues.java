package io.github.peft4j.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.Map;

/**
 * Fills live parameters with saved values, in place: the same arrays (and so the optimizer's and the adapter's
 * references to them) get new contents. The copy is a native indexed assignment into the parameter's own
 * storage; {@code NDArray.set(Buffer)} is avoided because DJL may then keep pointing at the Java buffer.
 */
public final class ParameterValues {
    private static final NDIndex EVERYTHING = new NDIndex("...");

    private ParameterValues() {}

    /** Copies {@code source} into {@code target}; shapes must be equal. */
    public static void assign(String name, NDArray target, NDArray source) {
        if (!target.getShape().equals(source.getShape())) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Saved '" + name + "' is " + source.getShape() + " but the parameter is "
                    + target.getShape() + ": it was saved with other settings");
        }
        target.set(EVERYTHING, source);
    }

    /** Fills every parameter of {@code targets} from the tensor of the same name in {@code file}. */
    public static void assignAll(Map<String, NDArray> targets, SafetensorsFile file, NDManager scratch) {
        try (NDManager loading = scratch.newSubManager()) {
            for (Map.Entry<String, NDArray> target : targets.entrySet()) {
                if (!file.contains(target.getKey())) {
                    throw new PeftException(StandardErrorCode.MISSING_TENSOR, file.path() + " has no '" + target.getKey() + "'; it holds "
                            + file.names());
                }
                assign(target.getKey(), target.getValue(), file.load(target.getKey(), loading));
            }
        }
    }
}
