package io.github.peft4j.core.safetensors;

import ai.djl.ndarray.types.DataType;
import java.util.Optional;

/** The element types of the safetensors format that peft4j reads and writes. */
public enum SafetensorsDtype {
    F64(8, DataType.FLOAT64),
    F32(4, DataType.FLOAT32),
    /** Widened to float32 on load. */
    F16(2, DataType.FLOAT32),
    /** Widened to float32 on load. */
    BF16(2, DataType.FLOAT32),
    I64(8, DataType.INT64),
    I32(4, DataType.INT32),
    I8(1, DataType.INT8),
    U8(1, DataType.UINT8),
    BOOL(1, DataType.BOOLEAN);

    private final int bytes;
    private final DataType loadedAs;

    SafetensorsDtype(int bytes, DataType loadedAs) {
        this.bytes = bytes;
        this.loadedAs = loadedAs;
    }

    public int bytes() {
        return bytes;
    }

    /** The DJL type an array of this dtype has after {@link SafetensorsFile#load}. */
    public DataType loadedAs() {
        return loadedAs;
    }

    public static Optional<SafetensorsDtype> parse(String name) {
        for (SafetensorsDtype dtype : values()) {
            if (dtype.name().equals(name)) {
                return Optional.of(dtype);
            }
        }
        return Optional.empty();
    }

    /** The dtype that stores a DJL array of {@code type} without loss. */
    public static Optional<SafetensorsDtype> of(DataType type) {
        return switch (type) {
            case FLOAT64 -> Optional.of(F64);
            case FLOAT32 -> Optional.of(F32);
            case FLOAT16 -> Optional.of(F16);
            case INT64 -> Optional.of(I64);
            case INT32 -> Optional.of(I32);
            case INT8 -> Optional.of(I8);
            case UINT8 -> Optional.of(U8);
            case BOOLEAN -> Optional.of(BOOL);
            default -> Optional.empty();
        };
    }
}
