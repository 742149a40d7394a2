package io.github.peft4j.core.training;

import static io.github.peft4j.testing.AdapterTesting.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.github.peft4j.core.adapter.AdapterSizes.Source;
import io.github.peft4j.core.adapter.Settings;
import io.github.peft4j.core.memory.MemoryLimits;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.testing.BadAdapterFiles;
import io.github.peft4j.testing.EngineManager;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Starting files of a row encoder as users break them, and sizes refused before the encoder is allocated. */
final class TestRowStart {
    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    private static final RowStart.Wording WORDING = new RowStart.Wording("init-file", "a test adapter", "a test directory", "rows", true);
    private static final long GIB = 1L << 30;

    @TempDir
    Path directory;

    /** A starting file of 3 rows of width 10 through an MLP of width 5 (hidden 4). */
    private Path startingFile() {
        Path file = directory.resolve("init.safetensors");
        try (NDManager manager = ARRAYS.manager().newSubManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            RowEncoder.randomValues(RowEncoder.shapes(3, 5, 4, 10), new SplittableRandom(1)).forEach((name, values) -> tensors.put("test_module." + name,
                    manager.create(values, RowEncoder.shapes(3, 5, 4, 10).get(name))));
            SafetensorsWriter.write(file, tensors, Map.of());
        }
        return file;
    }

    private static RowStart read(Path file, NDManager scratch) {
        return RowStart.fromSafetensors(file, "test_module.", 4, 10, WORDING, scratch);
    }

    @Test
    void float64StartsAreReadAsFloat32() {
        Path file = startingFile();
        try (NDManager scratch = ARRAYS.manager().newSubManager()) {
            RowStart original = read(file, scratch);
            BadAdapterFiles.retype(file, "test_module.transform.2.weight", DataType.FLOAT64);
            RowStart widened = read(file, scratch);
            assertThat(widened.length()).isEqualTo(3);
            assertThat(widened.mlpWidth()).isEqualTo(5);
            original.values().forEach((name, values) -> assertThat(widened.values().get(name)).as(name).containsExactly(values));
        }
    }

    @Test
    void nonFiniteIntegerAndMisshapenStartsAreRefusedNamingFileAndTensor() {
        try (NDManager scratch = ARRAYS.manager().newSubManager()) {
            Path file = startingFile();
            BadAdapterFiles.setFirst(file, "test_module.transform.0.bias", Float.NaN);
            assertError(() -> read(file, scratch), StandardErrorCode.MALFORMED_CHECKPOINT, "tensor 'test_module.transform.0.bias' of " + file + " holds 1 non-finite");
            startingFile();
            BadAdapterFiles.retype(file, "test_module.embedding.weight", DataType.INT64);
            assertError(() -> read(file, scratch), StandardErrorCode.MALFORMED_CHECKPOINT, "Tensor 'test_module.embedding.weight' of " + file + " holds I64 values");
            SafetensorsWriter.write(file, Map.of("test_module.embedding.weight", scratch.create(2f)), Map.of());
            assertError(() -> read(file, scratch), StandardErrorCode.SHAPE_MISMATCH,
                    "Tensor 'test_module.embedding.weight' of " + file + " has 0 dimensions []; it must be [N, 10]");
            BadAdapterFiles.writeRawTensor(file, "test_module.embedding.weight", "F32", "[4611686018427387904, 0]", 0);
            assertError(() -> read(file, scratch), StandardErrorCode.MALFORMED_CHECKPOINT, "'test_module.embedding.weight' of " + file);
            BadAdapterFiles.writeRawTensor(file, "test_module.embedding.weight", "F32", "[0, 10]", 0);
            assertError(() -> read(file, scratch), StandardErrorCode.SHAPE_MISMATCH, "it holds no rows (virtual tokens)");
            assertError(() -> read(directory.resolve("absent"), scratch), StandardErrorCode.FILE_NOT_FOUND, "init-file (--init) " + directory.resolve("absent"));
        }
    }

    @Test
    void sizesAreRefusedByTheSettingThatAskedForThem() {
        MemoryLimits plenty = new MemoryLimits(Long.MAX_VALUE, Long.MAX_VALUE);
        assertThatCode(() -> RowEncoder.checkSizes("A test", 3, Source.setting(Settings.LENGTH, 10), Source.setting(Settings.MLP_WIDTH, 512), 64, 1536,
                plenty)).doesNotThrowAnyException();
        assertError(() -> RowEncoder.checkSizes("A test", 1, Source.setting(Settings.LENGTH, 2_000_000_000), Source.setting(Settings.MLP_WIDTH, 0), 64, 128,
                plenty), StandardErrorCode.OUT_OF_MEMORY, "length = 2000000000 (--prefix-length, --lengths or --set length) makes 'embedding.weight' [2000000000, 128] hold"
                        + " 256,000,000,000 numbers, more than one array can index");
        assertError(() -> RowEncoder.checkSizes("A test", 1, Source.setting(Settings.LENGTH, 10), Source.setting(Settings.MLP_WIDTH, 2_000_000_000), 64, 128,
                plenty), StandardErrorCode.OUT_OF_MEMORY, "mlp-width = 2000000000 (--mlp-width or --set mlp-width) makes 'transform.2.weight' [128, 2000000000] hold");
        MemoryLimits small = new MemoryLimits(GIB, 4 * GIB);
        assertError(() -> RowEncoder.checkSizes("A test", 1, Source.setting(Settings.LENGTH, 10), Source.setting(Settings.MLP_WIDTH, 4_000_000), 64, 128,
                small), StandardErrorCode.OUT_OF_MEMORY, "A test with length = 10 (--prefix-length, --lengths or --set length) and mlp-width = 4000000 (--mlp-width or --set mlp-width) needs about 2.9 GiB"
                        + " of Java heap for its starting values (772,000,768 parameters and the [10, 128] rows each pass computes, 4 bytes each;");
        assertError(() -> RowEncoder.checkSizes("A test", 1, Source.setting(Settings.LENGTH, 4_000_000), Source.setting(Settings.MLP_WIDTH, 0), 64, 128,
                small), StandardErrorCode.OUT_OF_MEMORY, "more than this JVM's 1.0 GiB; lower length (--prefix-length, --lengths or --set length), or give Java more heap");
        assertError(() -> RowEncoder.checkSizes("A test", 3, Source.setting(Settings.LENGTH, 3_000_000), Source.setting(Settings.MLP_WIDTH, 0), 64, 128,
                small), StandardErrorCode.OUT_OF_MEMORY, "for each of its 3 parts");
    }
}
