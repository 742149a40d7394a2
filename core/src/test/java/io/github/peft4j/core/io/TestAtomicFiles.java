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
                .hasMessageContaining("nothing that was there before was changed");

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
    void aSwapCutShortIsRenamedBackWhenTheDirectoryIsNextRead() throws IOException {
        Path checkpoint = directory.resolve("checkpoint");
        Path old = swapCutShort(checkpoint, "state.json");

        assertThat(AtomicFiles.existingDirectory(checkpoint)).contains(checkpoint);
        assertThat(Files.readString(checkpoint.resolve("state.json"))).isEqualTo("previous");
        assertThat(old).doesNotExist();
        assertThat(AtomicFiles.existingDirectory(directory.resolve("absent"))).isEmpty();
    }

    @Test
    void aSwapCutShortIsRenamedBackBeforeTheNextReplacementStarts() throws IOException {
        Path adapter = directory.resolve("adapter");
        swapCutShort(adapter, "adapter_config.json");

        assertThatThrownBy(() -> AtomicFiles.replaceDirectory(adapter, partial -> {
            assertThat(adapter.resolve("adapter_config.json")).as("the previous version is back in place while the new one is written").hasContent("previous");
            throw new PeftException(io.github.peft4j.spi.StandardErrorCode.WRITE_FAILED, "interrupted");
        })).isInstanceOf(PeftException.class);

        assertThat(adapter.resolve("adapter_config.json")).hasContent("previous");
        try (Stream<Path> files = Files.list(directory)) {
            assertThat(files).as("no partial or old directory is left").containsExactly(adapter);
        }
    }

    /**
     * Leaves what a replacement of {@code target} cut short between its two renames leaves: the previous version, with
     * {@code file} holding "previous", moved aside to {@code target.peft4j-old}, and {@code target} missing. Returns it.
     */
    private static Path swapCutShort(Path target, String file) throws IOException {
        Path old = target.resolveSibling(target.getFileName() + ".peft4j-old");
        Files.createDirectories(old);
        Files.writeString(old.resolve(file), "previous");
        return old;
    }

    @Test
    void aWriteRemovesTemporariesOfDeadWritersAndKeepsThoseOfLiveOnes() throws IOException, InterruptedException {
        Path target = directory.resolve("predictions.txt");
        Process finished = new ProcessBuilder("true").start();
        finished.waitFor();
        Path dead = directory.resolve(".predictions.txt.peft4j-" + finished.pid() + "-123.tmp");
        Path live = directory.resolve(".predictions.txt.peft4j-" + ProcessHandle.current().pid() + "-456.tmp");
        Path unrelated = directory.resolve(".predictions.txt.mine.tmp");
        for (Path file : new Path[] {dead, live, unrelated}) {
            Files.writeString(file, "half");
        }

        AtomicFiles.writeString(target, "new");

        assertThat(target).hasContent("new");
        assertThat(dead).doesNotExist();
        assertThat(live).exists();
        assertThat(unrelated).exists();
    }

    @Test
    void aTargetBelowARegularFileIsAWriteFailureNamingTheFile() throws IOException {
        Path file = directory.resolve("notes.txt");
        Files.writeString(file, "mine");

        assertThatThrownBy(() -> AtomicFiles.writeString(file.resolve("out.txt"), "x"))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining(file + " is a file, not a directory")
                .hasMessageNotContaining("java.");
        assertThatThrownBy(() -> AtomicFiles.replaceDirectory(file.resolve("adapter"), partial -> {}))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining(file + " is a file, not a directory");
        assertThat(file).hasContent("mine");
    }
}
