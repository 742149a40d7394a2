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

    @Test
    void replacedDirectoryIsAllNewOrAllOld() throws IOException {
        Path checkpoint = directory.resolve("checkpoint");
        AtomicFiles.replaceDirectory(checkpoint, dir -> AtomicFiles.writeString(dir.resolve("state.json"), "1"));
        AtomicFiles.replaceDirectory(checkpoint, dir -> AtomicFiles.writeString(dir.resolve("state.json"), "2"));
        assertThat(Files.readString(checkpoint.resolve("state.json"))).isEqualTo("2");

        assertThatThrownBy(() -> AtomicFiles.replaceDirectory(checkpoint, dir -> {
            AtomicFiles.writeString(dir.resolve("state.json"), "3");
            throw new PeftException(io.github.peft4j.spi.StandardErrorCode.WRITE_FAILED, "interrupted");
        })).isInstanceOf(PeftException.class);
        assertThat(Files.readString(checkpoint.resolve("state.json"))).isEqualTo("2");
        assertThat(AtomicFiles.existingDirectory(checkpoint)).contains(checkpoint);
    }

    @Test
    void aSwapCutShortLeavesTheOldDirectoryFindable() throws IOException {
        Path checkpoint = directory.resolve("checkpoint");
        Path old = directory.resolve("checkpoint.old");
        Files.createDirectories(old);

        assertThat(AtomicFiles.existingDirectory(checkpoint)).contains(old);
        assertThat(AtomicFiles.existingDirectory(directory.resolve("absent"))).isEmpty();
    }
}
