package io.github.peft4j.core.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestTextFiles {
    @TempDir
    Path directory;

    @Test
    void aLeadingByteOrderMarkIsSkipped() throws IOException {
        Path file = Files.writeString(directory.resolve("bom.jsonl"), "\uFEFF{\"ids\": [1]}\n\uFEFFkept\n", StandardCharsets.UTF_8);

        assertThat(TextFiles.readLines(file, "data file")).containsExactly("{\"ids\": [1]}", "\uFEFFkept");
        try (BufferedReader reader = TextFiles.open(file)) {
            assertThat(reader.readLine()).isEqualTo("{\"ids\": [1]}");
        }
        assertThat(TextFiles.withoutByteOrderMark("\uFEFFa")).isEqualTo("a");
    }

    @Test
    void aFileWithoutByteOrderMarkIsReadWhole() throws IOException {
        Path file = Files.writeString(directory.resolve("plain.txt"), "ab\nc", StandardCharsets.UTF_8);

        assertThat(TextFiles.readLines(file, "data file")).containsExactly("ab", "c");
        assertThat(TextFiles.readLines(Files.writeString(directory.resolve("empty.txt"), ""), "data file")).isEmpty();
    }
}
