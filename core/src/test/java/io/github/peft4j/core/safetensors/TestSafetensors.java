package io.github.peft4j.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.ErrorCode;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestSafetensors {
    private final NDManager manager = NDManager.newBaseManager("PyTorch");

    @TempDir
    Path directory;

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void roundTripsFloatAndIntegerTensorsWithMetadata() {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put("weight", manager.arange(24f).reshape(2, 3, 4));
        tensors.put("ids", manager.create(new long[] {5, -1, 50256}));
        tensors.put("scalar", manager.create(3.5f));
        Path file = directory.resolve("t.safetensors");

        SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));

        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertThat(read.names()).containsExactly("weight", "ids", "scalar");
            assertThat(read.metadata()).containsEntry("format", "pt");
            NDArray weight = read.load("weight", manager);
            assertThat(weight.getShape()).isEqualTo(new Shape(2, 3, 4));
            assertThat(weight.toFloatArray()).containsExactly(tensors.get("weight").toFloatArray());
            NDArray ids = read.load("ids", manager);
            assertThat(ids.getDataType()).isEqualTo(DataType.INT64);
            assertThat(ids.toLongArray()).containsExactly(5, -1, 50256);
            assertThat(read.load("scalar", manager).getShape()).isEqualTo(new Shape());
        }
    }

    @Test
    void inPlaceChangesToALoadedArrayNeverReachTheFile() throws IOException {
        Path file = directory.resolve("t.safetensors");
        SafetensorsWriter.write(file, Map.of("w", manager.ones(new Shape(4))), Map.of());
        byte[] before = Files.readAllBytes(file);

        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            NDArray w = read.load("w", manager);
            w.addi(manager.ones(new Shape(4)));
            assertThat(w.toFloatArray()).containsOnly(2f);
        }

        assertThat(Files.readAllBytes(file)).isEqualTo(before);
    }

    @Test
    void widensHalfPrecisionToFloat32() throws IOException {
        float[] values = {1f, -2.5f, 0.099975586f, 65504f, 0f, 6.1035156e-05f};
        // IEEE half bit patterns of the values above (exactly representable).
        short[] half = {0x3c00, (short) 0xc100, 0x2e66, 0x7bff, 0x0000, 0x0400};
        short[] bfloat = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            bfloat[i] = (short) (Float.floatToIntBits(values[i]) >>> 16);
        }
        Path file = directory.resolve("half.safetensors");
        SafetensorsFixtures.writeRaw(file, "{\"h\":{\"dtype\":\"F16\",\"shape\":[6],\"data_offsets\":[0,12]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[12,24]}}", shorts(half), shorts(bfloat));

        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            NDArray h = read.load("h", manager);
            assertThat(h.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(h.toFloatArray()).containsExactly(values);
            NDArray b = read.load("b", manager);
            assertThat(b.getShape()).isEqualTo(new Shape(2, 3));
            float[] expected = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                expected[i] = Float.intBitsToFloat(Float.floatToIntBits(values[i]) & 0xffff0000);
            }
            assertThat(b.toFloatArray()).containsExactly(expected);
        }
    }

    @Test
    void halfConversionCoversSubnormalsInfinityAndNaN() {
        assertThat(SafetensorsFile.halfToFloat(0x0001)).isEqualTo(0x1p-24f);
        assertThat(SafetensorsFile.halfToFloat(0x8000)).isEqualTo(-0f);
        assertThat(SafetensorsFile.halfToFloat(0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(SafetensorsFile.halfToFloat(0x7e00)).isNaN();
    }

    @Test
    void truncatedFileNamesFileAndTensor() throws IOException {
        Path file = directory.resolve("model.safetensors");
        SafetensorsWriter.write(file, Map.of("h.0.attn.c_attn.weight", manager.ones(new Shape(8, 8))), Map.of());
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 10));

        assertError(() -> SafetensorsFile.open(file), StandardErrorCode.MALFORMED_CHECKPOINT,
                file.toString(), "'h.0.attn.c_attn.weight'", "truncated");
    }

    @Test
    void tinyOrGarbageFilesAreMalformed() throws IOException {
        Path tiny = directory.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertError(() -> SafetensorsFile.open(tiny), StandardErrorCode.MALFORMED_CHECKPOINT, "truncated");

        Path garbage = directory.resolve("garbage.safetensors");
        SafetensorsFixtures.writeRaw(garbage, "{not json");
        assertError(() -> SafetensorsFile.open(garbage), StandardErrorCode.MALFORMED_CHECKPOINT, "not valid JSON");

        Path hugeHeader = directory.resolve("huge.safetensors");
        Files.write(hugeHeader, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        assertError(() -> SafetensorsFile.open(hugeHeader), StandardErrorCode.MALFORMED_CHECKPOINT, "header length");
    }

    @Test
    void offsetsThatDisagreeWithShapeAreMalformed() throws IOException {
        Path file = directory.resolve("bad.safetensors");
        SafetensorsFixtures.writeRaw(file, "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]);

        assertError(() -> SafetensorsFile.open(file), StandardErrorCode.MALFORMED_CHECKPOINT, "'w'", "12 bytes", "span 8 bytes");
    }

    @Test
    void unsupportedDtypeFailsOnlyWhenLoaded() throws IOException {
        Path file = directory.resolve("u16.safetensors");
        SafetensorsFixtures.writeRaw(file, "{\"w\":{\"dtype\":\"U16\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4]);

        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertThat(read.info("w").dtype()).isEqualTo("U16");
            assertError(() -> read.load("w", manager), StandardErrorCode.MALFORMED_CHECKPOINT, "U16");
        }
    }

    @Test
    void missingFileAndMissingTensorHaveTheirOwnCodes() {
        assertError(() -> SafetensorsFile.open(directory.resolve("absent.safetensors")), StandardErrorCode.FILE_NOT_FOUND, "absent.safetensors");
        Path file = directory.resolve("t.safetensors");
        SafetensorsWriter.write(file, Map.of("a", manager.ones(new Shape(1))), Map.of());
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertError(() -> read.load("b", manager), StandardErrorCode.MISSING_TENSOR, "'b'", file.toString());
        }
    }

    @Test
    void shardedCheckpointFindsTensorsAcrossShards() {
        SafetensorsWriter.write(directory.resolve("model-00001-of-00002.safetensors"), Map.of("a", manager.ones(new Shape(2))), Map.of());
        SafetensorsWriter.write(directory.resolve("model-00002-of-00002.safetensors"), Map.of("b", manager.zeros(new Shape(3))), Map.of());
        writeIndex("{\"metadata\":{},\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\"}}");

        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(directory)) {
            assertThat(checkpoint.names()).containsExactlyInAnyOrder("a", "b");
            assertThat(checkpoint.load("b", manager).getShape()).isEqualTo(new Shape(3));
            assertThat(checkpoint.load("a", manager).toFloatArray()).containsExactly(1f, 1f);
        }
    }

    @Test
    void shardIndexThatLiesIsMalformed() {
        SafetensorsWriter.write(directory.resolve("shard.safetensors"), Map.of("a", manager.ones(new Shape(2))), Map.of());
        writeIndex("{\"weight_map\":{\"z\":\"shard.safetensors\"}}");

        assertError(() -> SafetensorsCheckpoint.open(directory), StandardErrorCode.MISSING_TENSOR, "'z'", "shard.safetensors");
    }

    @Test
    void directoryWithoutWeightsSaysWhatIsExpected() {
        assertError(() -> SafetensorsCheckpoint.open(directory), StandardErrorCode.FILE_NOT_FOUND, "model.safetensors", "model.safetensors.index.json");
    }

    private void writeIndex(String json) {
        io.github.peft4j.core.io.AtomicFiles.writeString(directory.resolve(SafetensorsCheckpoint.SHARD_INDEX), json);
    }

    private static void assertError(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, StandardErrorCode code, String... fragments) {
        ErrorCode expected = code.toErrorCode();
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(expected))
                .hasMessageContainingAll(fragments);
    }

    private static byte[] shorts(short[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short value : values) {
            buffer.putShort(value);
        }
        return buffer.array();
    }
}
