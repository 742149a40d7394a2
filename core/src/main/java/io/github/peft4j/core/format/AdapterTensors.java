package io.github.peft4j.core.format;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.safetensors.SafetensorsDtype;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.core.safetensors.TensorChecks;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reading an adapter's tensors (prefixes, virtual embeddings, starting values) from a user's safetensors file. The
 * header is checked first (rank, sizes, dtype), so that nothing is read or allocated for a tensor that cannot fit;
 * floating-point tensors of any width are read as float32, the adapters' precision (an F64 export of a PEFT adapter
 * loads; an integer tensor is no trained value and is refused); and NaN or infinity is refused. Every failure names
 * the file and the tensor.
 */
public final class AdapterTensors {
    private AdapterTensors() {}

    /** How messages name a tensor: {@code tensor 'x' of /a/b.safetensors}. */
    public static String where(SafetensorsFile file, String name) {
        return "tensor '" + name + "' of " + file.path();
    }

    /**
     * Refuses a file holding tensors other than {@code expected}: an extra layer or an unknown tensor means the file
     * was made for another model or is not this kind of adapter, and ignoring it would load something else than saved.
     *
     * @param expected every tensor name the file may hold, e.g. {@code prefix.layers.0.key}
     * @param holds what the file should hold, for the message, e.g. {@code a prefix for a 2-layer model}
     */
    public static void requireOnly(SafetensorsFile file, Set<String> expected, String holds) {
        List<String> unexpected = file.names().stream().filter(name -> !expected.contains(name)).sorted().toList();
        if (!unexpected.isEmpty()) {
            throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, file.path() + " holds the unexpected tensor" + (unexpected.size() > 1 ? "s " : " ")
                    + unexpected.stream().limit(5).map(name -> "'" + name + "'").collect(Collectors.joining(", ")) + (unexpected.size() > 5 ? ", ..." : "")
                    + "; " + holds + " has only " + expected.stream().sorted().limit(4).map(name -> "'" + name + "'").collect(Collectors.joining(", "))
                    + (expected.size() > 4 ? ", ..." : "") + ": use the adapter made for this model, or remove the extra tensors");
        }
    }

    /**
     * The dimensions of tensor {@code name}, which must have {@code layout.length} of them.
     *
     * @param layout how the tensor is laid out, for the message, e.g. {@code [P, 64]}
     */
    public static long[] dims(SafetensorsFile file, String name, String layout, int rank) {
        long[] dims = file.info(name).shape().getShape();
        if (dims.length != rank) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, capitalised(where(file, name)) + " has " + dims.length + " dimensions "
                    + Arrays.toString(dims) + "; it must be " + layout);
        }
        return dims;
    }

    /**
     * Dimension {@code axis} of tensor {@code name} (whose dimensions are {@code dims}) as a count of at least 1 that
     * peft4j can index.
     *
     * @param what what the dimension counts, for the message, e.g. {@code virtual tokens}
     */
    public static int count(SafetensorsFile file, String name, long[] dims, int axis, String what) {
        long count = dims[axis];
        if (count < 1) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, capitalised(where(file, name)) + " is " + Arrays.toString(dims) + ": it holds no "
                    + what + "; an adapter has at least one");
        }
        if (count > Integer.MAX_VALUE) {
            throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, capitalised(where(file, name)) + " is " + Arrays.toString(dims) + ": "
                    + count + " " + what + " is more than peft4j can index (" + Integer.MAX_VALUE + "); the file is corrupt or not an adapter's");
        }
        return (int) count;
    }

    /** Loads tensor {@code name}, which must be {@code expected} (checked before anything is read), as finite float32. */
    public static NDArray loadFloat32(SafetensorsFile file, String name, Shape expected, NDManager manager) {
        long[] dims = file.info(name).shape().getShape();
        if (!Arrays.equals(dims, expected.getShape())) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, capitalised(where(file, name)) + " is " + Arrays.toString(dims)
                    + "; this model needs " + expected);
        }
        return loadFloat32(file, name, manager);
    }

    /** Loads tensor {@code name} as finite float32, whatever floating-point dtype the file holds it in. */
    public static NDArray loadFloat32(SafetensorsFile file, String name, NDManager manager) {
        String where = where(file, name);
        String dtype = file.info(name).dtype();
        Optional<SafetensorsDtype> known = SafetensorsDtype.parse(dtype);
        if (known.isEmpty() || !known.get().loadedAs().isFloating()) {
            throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, capitalised(where) + " holds " + dtype + " values; an adapter's tensors are"
                    + " floating point (F32, or F16, BF16 or F64, which are read as float32): the file holds another tensor under this name, or"
                    + " was saved with the wrong dtype");
        }
        NDArray loaded = file.load(name, manager);
        NDArray result = loaded;
        try {
            TensorChecks.requireFinite(loaded, where);
            // Always a copy, never the file's mapped pages: adapter tensors are small, and a copy stays valid when the file is
            // rewritten or truncated while the adapter is in use (a mapped page past a new end aborts the JVM on access).
            boolean widened = loaded.getDataType() != DataType.FLOAT32;
            result = widened ? loaded.toType(DataType.FLOAT32, false) : loaded.duplicate();
            result.setName(name);
            loaded.close();
            if (widened) {
                TensorChecks.requireFinite(result, where + " (read as float32: values beyond float32's range, about 3.4e38, become infinite)");
            }
            return result;
        }
        catch (RuntimeException e) {
            result.close();
            throw e;
        }
    }

    private static String capitalised(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
