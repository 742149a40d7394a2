package io.github.peft4j.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.testing.EngineManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Hostile safetensors headers and shard indexes: each is a clean MALFORMED_CHECKPOINT naming the file and the tensor. */
final class TestMalformedSafetensors {
    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    @TempDir
    Path directory;

    @Test
    void overlappingTensorsAreRefusedNamingBoth() {
        Path file = write("{\"a\":" + f32("[2]", 0, 8) + ",\"b\":" + f32("[2]", 4, 12) + "}", 12);

        assertMalformed(file, "'a'", "'b'", "overlap");
    }

    @Test
    void aTensorInsideAnotherOverlapsToo() {
        Path file = write("{\"outer\":" + f32("[4]", 0, 16) + ",\"inner\":" + f32("[1]", 4, 8) + "}", 16);

        assertMalformed(file, "'outer'", "'inner'", "overlap");
    }

    @Test
    void emptyTensorsAndAdjacentTensorsDoNotOverlap() {
        Path file = write("{\"a\":" + f32("[2]", 0, 8) + ",\"empty\":" + f32("[0]", 4, 4) + ",\"b\":" + f32("[1]", 8, 12) + "}", 12);

        try (SafetensorsFile opened = SafetensorsFile.open(file)) {
            assertThat(opened.names()).containsExactly("a", "empty", "b");
        }
    }

    @Test
    void elementCountOverflowIsRefusedAsOverflow() {
        // 2^32 * 2^32 = 2^64 elements: the product wraps to 0 in a long.
        Path file = write("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", 0);

        assertMalformed(file, "'w'", "overflows 64 bits");
    }

    @Test
    void byteSizeOverflowIsRefusedAsOverflow() {
        // 2^62 elements fit a long; 2^62 * 4 bytes do not (and wrap to 0).
        Path file = write("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,0]}}", 0);

        assertMalformed(file, "'w'", "more bytes than fit in 64 bits");
    }

    @Test
    void negativeFractionalOrTextualDimsAreRefused() {
        for (String shape : new String[] {"[-1]", "[2.5]", "[\"2\"]", "[1e30]", "[99999999999999999999]", "[null]"}) {
            Path file = write("{\"w\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,8]}}", 8);
            assertMalformed(file, "'w'", "integers >= 0");
        }
    }

    @Test
    void hugeDimsThatDoNotOverflowStillHaveToMatchTheBytes() {
        Path file = write("{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000000000],\"data_offsets\":[0,8]}}", 8);

        assertMalformed(file, "'w'", "4000000000000 bytes", "span 8 bytes");
    }

    @Test
    void offsetsOutsideTheFileOrBackwardsOrNotIntegersAreRefused() {
        assertMalformed(write("{\"w\":" + f32("[2]", 8, 16) + "}", 8), "'w'", "ends at byte 16", "truncated");
        assertMalformed(write("{\"w\":" + f32("[2]", 8, 0) + "}", 8), "'w'", "data_offsets");
        assertMalformed(write("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8), "'w'", "data_offsets");
        assertMalformed(write("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0.5,8.5]}}", 8), "'w'", "data_offsets");
        assertMalformed(write("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,9223372036854775807]}}", 8), "'w'", "truncated");
        assertMalformed(write("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8), "'w'", "two data_offsets");
    }

    @Test
    void unknownOrNonTextualDtypesAreRefused() {
        Path unknown = write("{\"w\":{\"dtype\":\"F8_E9\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
        try (SafetensorsFile opened = SafetensorsFile.open(unknown)) {
            assertThatThrownBy(() -> opened.load("w", ARRAYS.manager()))
                    .isInstanceOf(PeftException.class)
                    .hasMessageContainingAll(unknown.toString(), "'w'", "F8_E9", "supported");
        }
        assertMalformed(write("{\"w\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "'w'", "dtype");
    }

    @Test
    void headersThatAreNotAnObjectOfTensorObjectsAreRefused() {
        assertMalformed(write("[1,2,3]", 0), "not a JSON object");
        assertMalformed(write("\"text\"", 0), "not a JSON object");
        assertMalformed(write("{\"w\":5}", 0), "'w'", "not an object");
        assertMalformed(write("{\"w\":[]}", 0), "'w'", "not an object");
        assertMalformed(write("{}   {}", 0), "not valid JSON");
        assertMalformed(write("{\"__metadata__\":[1]}", 0), "__metadata__", "not an object of strings");
        assertMalformed(write("{\"__metadata__\":{\"format\":{\"x\":1}}}", 0), "__metadata__", "'format'", "not a string");
    }

    @Test
    void aTensorNamedTwiceIsRefused() {
        Path file = write("{\"w\":" + f32("[1]", 0, 4) + ",\"w\":" + f32("[1]", 4, 8) + "}", 8);

        assertMalformed(file, "not valid JSON", "Duplicate field 'w'");
    }

    @Test
    void aHeaderThatIsNotUtf8IsRefused() {
        byte[] header = {'{', '"', (byte) 0xff, (byte) 0xfe, '"', ':', '1', '}'};
        Path file = directory.resolve("latin.safetensors");
        ByteBuffer bytes = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).put(header);
        writeBytes(file, bytes.array());

        assertMalformed(file, "UTF-8");
    }

    @Test
    void aHeaderLengthThatIsNegativeOrPastTheEndIsRefused() {
        Path negative = directory.resolve("negative.safetensors");
        writeBytes(negative, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-5).array());
        assertMalformed(negative, "header length field says -5");

        Path pastEnd = directory.resolve("past.safetensors");
        writeBytes(pastEnd, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(100).array());
        assertMalformed(pastEnd, "header length field says 100", "truncated");
    }

    @Test
    void aMappedFileThatIsTruncatedAfterLoadingIsAnErrorAtTheNextCheck() throws IOException {
        Path file = directory.resolve("model.safetensors");
        SafetensorsWriter.write(file, Map.of("w", ARRAYS.manager().ones(new Shape(4096))), Map.of());
        try (SafetensorsFile opened = SafetensorsFile.open(file)) {
            opened.load("w", ARRAYS.manager()); // mapped, pages untouched from here on
            opened.requireUnchanged();

            SafetensorsFixtures.truncateInPlace(file, 100);

            assertThatThrownBy(opened::requireUnchanged)
                    .isInstanceOfSatisfying(PeftException.class,
                            e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.MALFORMED_CHECKPOINT.toErrorCode()))
                    .hasMessageContainingAll(file.toString(), "changed on disk while in use", "size went from", "to 100 bytes");
        }
    }

    @Test
    void aMappedFileThatIsRewrittenOrReplacedIsAnErrorAtTheNextCheck() throws IOException {
        Path file = directory.resolve("model.safetensors");
        SafetensorsWriter.write(file, Map.of("w", ARRAYS.manager().ones(new Shape(4))), Map.of());
        try (SafetensorsFile opened = SafetensorsFile.open(file)) {
            opened.load("w", ARRAYS.manager());
            Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5000));
            assertThatThrownBy(opened::requireUnchanged).hasMessageContainingAll(file.toString(), "changed on disk", "modified");
        }
        try (SafetensorsFile opened = SafetensorsFile.open(file)) {
            opened.load("w", ARRAYS.manager());
            // What a writer that replaces files atomically does: a new file renamed over the old path.
            SafetensorsWriter.write(file, Map.of("w", ARRAYS.manager().zeros(new Shape(4))), Map.of());
            assertThatThrownBy(opened::requireUnchanged).hasMessageContainingAll(file.toString(), "changed on disk");
            Files.delete(file);
            assertThatThrownBy(opened::requireUnchanged).hasMessageContainingAll(file.toString(), "deleted or moved");
        }
    }

    @Test
    void aFileWhoseTensorsWereCopiedMayChange() throws IOException {
        Path file = directory.resolve("model.safetensors");
        SafetensorsWriter.write(file, Map.of("w", ARRAYS.manager().ones(new Shape(4))), Map.of());
        try (SafetensorsFile opened = SafetensorsFile.open(file)) {
            opened.names(); // nothing loaded: nothing reads the file's pages
            Files.write(file, new byte[3]);
            opened.requireUnchanged();
        }
    }

    @Test
    void shardIndexNamingAMissingShardNamesTheIndexAndTheShard() {
        SafetensorsWriter.write(directory.resolve("a.safetensors"), Map.of("a", ARRAYS.manager().ones(new Shape(2))), Map.of());
        writeIndex("{\"weight_map\":{\"a\":\"a.safetensors\",\"b\":\"b-00002.safetensors\"}}");

        assertThatThrownBy(() -> SafetensorsCheckpoint.open(directory))
                .isInstanceOfSatisfying(PeftException.class,
                        e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.FILE_NOT_FOUND.toErrorCode()))
                .hasMessageContainingAll(SafetensorsCheckpoint.SHARD_INDEX, "b-00002.safetensors", "does not exist");
    }

    @Test
    void aTensorStoredInTwoShardsIsRefused() {
        SafetensorsWriter.write(directory.resolve("one.safetensors"), Map.of("w", ARRAYS.manager().ones(new Shape(2))), Map.of());
        SafetensorsWriter.write(directory.resolve("two.safetensors"), Map.of("w", ARRAYS.manager().zeros(new Shape(2)),
                "v", ARRAYS.manager().zeros(new Shape(1))), Map.of());
        writeIndex("{\"weight_map\":{\"w\":\"one.safetensors\",\"v\":\"two.safetensors\"}}");

        assertIndexMalformed("'w'", "two shards", "one.safetensors", "two.safetensors");
    }

    @Test
    void malformedShardIndexesAreRefusedNamingTheIndex() {
        SafetensorsWriter.write(directory.resolve("one.safetensors"), Map.of("w", ARRAYS.manager().ones(new Shape(2))), Map.of());
        writeIndex("{\"weight_map\":{\"w\":\"one.safetensors\",\"w\":\"one.safetensors\"}}");
        assertIndexMalformed("not valid JSON", "Duplicate field 'w'");
        writeIndex("{\"weight_map\":");
        assertIndexMalformed("not valid JSON");
        writeIndex("[]");
        assertIndexMalformed("weight_map");
        writeIndex("{\"weight_map\":{\"w\":7}}");
        assertIndexMalformed("'w'", "not a file name");
        writeIndex("{\"weight_map\":{\"w\":\"../outside.safetensors\"}}");
        assertIndexMalformed("outside the model directory");
    }

    private void assertIndexMalformed(String... fragments) {
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(directory))
                .isInstanceOfSatisfying(PeftException.class,
                        e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.MALFORMED_CHECKPOINT.toErrorCode()))
                .hasMessageContaining(directory.resolve(SafetensorsCheckpoint.SHARD_INDEX).toString())
                .hasMessageContainingAll(fragments);
    }

    private static String f32(String shape, long begin, long end) {
        return "{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    private int files;

    private Path write(String header, int dataBytes) {
        Path file = directory.resolve("case" + files++ + ".safetensors");
        SafetensorsFixtures.writeRaw(file, header, new byte[dataBytes]);
        return file;
    }

    private void writeIndex(String json) {
        io.github.peft4j.core.io.AtomicFiles.writeString(directory.resolve(SafetensorsCheckpoint.SHARD_INDEX), json);
    }

    private static void writeBytes(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        }
        catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void assertMalformed(Path file, String... fragments) {
        assertThatThrownBy(() -> SafetensorsFile.open(file).close())
                .isInstanceOfSatisfying(PeftException.class,
                        e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.MALFORMED_CHECKPOINT.toErrorCode()))
                .hasMessageContaining(file.toString())
                .hasMessageContainingAll(fragments)
                .hasMessageNotContaining("java.")
                .hasMessageNotContaining("Exception");
    }
}
