package io.github.peft4j.core.training;

import static io.github.peft4j.testing.AdapterTesting.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestJsonlExamples {
    @TempDir
    Path directory;

    @Test
    void aFileWithAByteOrderMarkIsRead() throws IOException {
        Path data = Files.writeString(directory.resolve("bom.jsonl"), "\uFEFF{\"source\": [1], \"target\": [2, 3]}\n", StandardCharsets.UTF_8);

        List<TrainingExample> examples = JsonlExamples.read(data, Optional.empty(), 0);

        assertThat(examples).hasSize(1);
        assertThat(examples.get(0).target()).containsExactly(2, 3);
    }

    @Test
    void textAfterTheRowAndKeysGivenTwiceAreRefusedByLine() throws IOException {
        assertRefused("{\"source\": [1], \"target\": [2]} junk", ":2: the row has text after the JSON object");
        assertRefused("{\"source\": [1], \"target\": [2]} {\"source\": [3], \"target\": [4]}", ":2: the row has text after the JSON object");
        assertRefused("{\"source\": [1], \"target\": [2], \"target\": [5]}", ":2: the row gives the key \"target\" twice");
    }

    @Test
    void anEmptySideIsRefusedByLine() throws IOException {
        assertRefused("{\"source\": [], \"target\": [3]}", ":2: the row has an empty \"source\": give at least one token id");
        assertRefused("{\"source\": [1], \"target\": []}", ":2: the row has an empty \"target\": give at least one token id to learn");
    }

    private void assertRefused(String secondRow, String message) throws IOException {
        Path data = Files.writeString(directory.resolve("data.jsonl"), "{\"source\": [1], \"target\": [2]}\n" + secondRow + "\n");
        assertError(() -> JsonlExamples.read(data, Optional.empty(), 0), StandardErrorCode.MALFORMED_DATASET, data + message);
    }
}
