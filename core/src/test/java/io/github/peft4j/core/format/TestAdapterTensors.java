package io.github.peft4j.core.format;

import static io.github.peft4j.testing.AdapterTesting.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.testing.BadAdapterFiles;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adapter tensors from users' files: any floating point is read as float32; integers, NaN/Inf and bad headers are refused by name. */
final class TestAdapterTensors {
    private static final float[] VALUES = {0.5f, -1.25f, 3f, 0.125f, 7f, -2f};

    private final NDManager manager = NDManager.newBaseManager("PyTorch");

    @TempDir
    Path directory;

    @AfterEach
    void close() {
        manager.close();
    }

    private Path file(DataType type) {
        Path file = directory.resolve(type + ".safetensors");
        SafetensorsWriter.write(file, Map.of("rows", manager.create(VALUES, new Shape(2, 3)).toType(type, false)), Map.of());
        return file;
    }

    @Test
    void floatingPointOfAnyWidthIsReadAsFloat32() {
        for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64, DataType.FLOAT16}) {
            try (SafetensorsFile file = SafetensorsFile.open(file(type)); NDArray rows = AdapterTensors.loadFloat32(file, "rows", new Shape(2, 3), manager)) {
                assertThat(rows.getDataType()).as("%s", type).isEqualTo(DataType.FLOAT32);
                assertThat(rows.toFloatArray()).as("%s", type).containsExactly(VALUES);
            }
        }
    }

    @Test
    void integerTensorsAreRefusedNamingTheDtype() {
        for (DataType type : new DataType[] {DataType.INT64, DataType.INT32, DataType.UINT8}) {
            Path path = file(type);
            try (SafetensorsFile file = SafetensorsFile.open(path)) {
                assertError(() -> AdapterTensors.loadFloat32(file, "rows", manager), StandardErrorCode.MALFORMED_CHECKPOINT,
                        "Tensor 'rows' of " + path + " holds " + file.info("rows").dtype() + " values; an adapter's tensors are floating point");
            }
        }
    }

    @Test
    void nonFiniteValuesAreRefusedNamingFileAndTensor() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            Path path = file(DataType.FLOAT32);
            BadAdapterFiles.setFirst(path, "rows", bad);
            try (SafetensorsFile file = SafetensorsFile.open(path)) {
                assertError(() -> AdapterTensors.loadFloat32(file, "rows", manager), StandardErrorCode.MALFORMED_CHECKPOINT,
                        "tensor 'rows' of " + path + " holds 1 non-finite value");
            }
        }
    }

    @Test
    void float64BeyondFloat32sRangeIsRefused() {
        Path path = directory.resolve("huge.safetensors");
        SafetensorsWriter.write(path, Map.of("rows", manager.create(new double[] {1, 1e300})), Map.of());
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertError(() -> AdapterTensors.loadFloat32(file, "rows", manager), StandardErrorCode.MALFORMED_CHECKPOINT, "beyond float32's range");
        }
    }

    @Test
    void headersAreCheckedBeforeAnythingIsRead() {
        Path path = file(DataType.FLOAT32);
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertError(() -> AdapterTensors.loadFloat32(file, "rows", new Shape(3, 2), manager), StandardErrorCode.SHAPE_MISMATCH,
                    "Tensor 'rows' of " + path + " is [2, 3]; this model needs (3, 2)");
            assertError(() -> AdapterTensors.dims(file, "rows", "[1, H, P, D]", 4), StandardErrorCode.SHAPE_MISMATCH, "has 2 dimensions [2, 3]; it must be [1, H, P, D]");
        }
        Path scalar = directory.resolve("scalar.safetensors");
        SafetensorsWriter.write(scalar, Map.of("rows", manager.create(1f)), Map.of());
        try (SafetensorsFile file = SafetensorsFile.open(scalar)) {
            assertError(() -> AdapterTensors.dims(file, "rows", "[P, d]", 2), StandardErrorCode.SHAPE_MISMATCH, "has 0 dimensions []; it must be [P, d]");
        }
        Path empty = directory.resolve("empty.safetensors");
        BadAdapterFiles.writeRawTensor(empty, "rows", "F32", "[0, 8]", 0);
        try (SafetensorsFile file = SafetensorsFile.open(empty)) {
            assertError(() -> AdapterTensors.count(file, "rows", AdapterTensors.dims(file, "rows", "[P, d]", 2), 0, "virtual tokens"),
                    StandardErrorCode.SHAPE_MISMATCH, "it holds no virtual tokens");
        }
        Path huge = directory.resolve("huge.safetensors");
        BadAdapterFiles.writeRawTensor(huge, "rows", "F32", "[3000000000, 0]", 0);
        try (SafetensorsFile file = SafetensorsFile.open(huge)) {
            assertError(() -> AdapterTensors.count(file, "rows", AdapterTensors.dims(file, "rows", "[P, d]", 2), 0, "virtual tokens"),
                    StandardErrorCode.MALFORMED_CHECKPOINT, "3000000000 virtual tokens is more than peft4j can index");
        }
    }
}
