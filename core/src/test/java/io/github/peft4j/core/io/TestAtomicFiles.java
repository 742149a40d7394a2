package io.github.peft4j.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.peft4j.spi.PeftException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestAtomicFiles {
    @TempDir
    Path directory;

    @Test
    void failedWriteKeepsTheOldFileAndLeavesNoTemporary() throws IOException {
        Path target = directory.resolve("adapter_config.json");
        AtomicFiles.writeString(target, "old");

        assertThatThrownBy(() -> AtomicFiles.write(target, out -> {
            out.write("half of the new".getBytes());
            throw new IOException("disk full");
        }))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("disk full")
                .hasMessageContaining("intact");

        assertThat(Files.readString(target)).isEqualTo("old");
        try (Stream<Path> files = Files.list(directory)) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void newFilesAreReadableByOthersAndReplacementsKeepPermissions() throws IOException {
        Path fresh = directory.resolve("fresh.txt");
        AtomicFiles.writeString(fresh, "x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh))).isEqualTo("rw-r--r--");

        Path strict = directory.resolve("strict.txt");
        Files.writeString(strict, "y");
        Files.setPosixFilePermissions(strict, PosixFilePermissions.fromString("rw-------"));
        AtomicFiles.writeString(strict, "z");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(strict))).isEqualTo("rw-------");
        assertThat(Files.readString(strict)).isEqualTo("z");
    }

    @Test
    void createsMissingParentDirectories() throws IOException {
        Path nested = directory.resolve("run/checkpoints/step-10.json");
        AtomicFiles.writeString(nested, "{}");
        assertThat(Files.readString(nested)).isEqualTo("{}");
    }
}
