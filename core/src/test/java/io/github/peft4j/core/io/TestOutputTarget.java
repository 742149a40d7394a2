package io.github.peft4j.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.peft4j.spi.PeftException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestOutputTarget {
    @TempDir
    Path directory;

    private static Consumer<Throwable> code(String name) {
        return error -> assertThat(((PeftException) error).getErrorCode().name()).isEqualTo(name);
    }

    private static OutputTarget adapter(Path path, boolean force) {
        return OutputTarget.directory(path, "adapter", "an adapter directory").force(force);
    }

    private static void writeAdapter(Path path, String content) {
        adapter(path, false).replaceDirectory(dir -> AtomicFiles.writeString(dir.resolve("adapter_config.json"), content));
    }

    @Test
    void anEarlierOutputOfTheSameKindIsReplaced() throws IOException {
        Path out = directory.resolve("adapter");
        writeAdapter(out, "1");
        writeAdapter(out, "2");

        assertThat(out.resolve("adapter_config.json")).hasContent("2");
        assertThat(Files.readAllLines(out.resolve(OutputTarget.MARKER))).containsExactly("peft4j output: adapter", "adapter_config.json");
    }

    @Test
    void somethingPeft4jDidNotWriteIsRefusedAndLeftAsItWas() throws IOException {
        Path file = directory.resolve("notes.txt");
        Files.writeString(file, "mine");
        Path foreign = directory.resolve("photos");
        Files.createDirectories(foreign);
        Files.writeString(foreign.resolve("a.jpg"), "jpeg");
        Path model = directory.resolve("model");
        OutputTarget.directoryWrittenInPlace(model, "model", "a model directory").writeInto(dir -> AtomicFiles.writeString(dir.resolve("config.json"), "{}"));

        for (Path target : new Path[] {file, foreign, model}) {
            assertThatThrownBy(() -> writeAdapter(target, "x")).isInstanceOf(PeftException.class)
                    .satisfies(code("OUTPUT_EXISTS")).hasMessageContaining(target.toString()).hasMessageContaining("--force");
        }
        assertThat(file).hasContent("mine");
        assertThat(foreign.resolve("a.jpg")).hasContent("jpeg");
        assertThat(model.resolve("config.json")).hasContent("{}");
    }

    @Test
    void anEarlierOutputWithAFileAddedByTheUserIsRefused() throws IOException {
        Path out = directory.resolve("adapter");
        writeAdapter(out, "1");
        Files.writeString(out.resolve("README.md"), "my notes");

        assertThatThrownBy(() -> writeAdapter(out, "2")).isInstanceOf(PeftException.class).satisfies(code("OUTPUT_EXISTS"));
        assertThat(out.resolve("README.md")).hasContent("my notes");

        adapter(out, true).replaceDirectory(dir -> AtomicFiles.writeString(dir.resolve("adapter_config.json"), "forced"));
        assertThat(out.resolve("adapter_config.json")).hasContent("forced");
        assertThat(out.resolve("README.md")).doesNotExist();
    }

    @Test
    void inputsTheCurrentAndTheHomeDirectoryAreRefusedEvenWithForce() throws IOException {
        Path run = directory.resolve("run");
        Files.createDirectories(run.resolve("checkpoint"));
        Path cwd = Path.of("").toAbsolutePath();

        for (Path target : new Path[] {run, directory, run.resolve("checkpoint"), cwd, cwd.getParent(), Path.of("/"), Path.of(System.getProperty("user.home"))}) {
            assertThatThrownBy(() -> adapter(target, true).protecting("the run directory", run).check())
                    .as(target.toString()).isInstanceOf(PeftException.class)
                    .satisfies(code("INVALID_ARGUMENT")).hasMessageContaining("not even with --force");
        }
        assertThat(run.resolve("checkpoint")).isDirectory();
        adapter(run.resolve("new-adapter"), false).protecting("the run directory", run).check();
    }

    @Test
    void aFileOutputNeverReplacesADirectory() throws IOException {
        Path folder = directory.resolve("folder");
        Files.createDirectories(folder.resolve("inside"));

        assertThatThrownBy(() -> OutputTarget.file(folder, null, file -> true).force(true).check())
                .isInstanceOf(PeftException.class).satisfies(code("OUTPUT_EXISTS")).hasMessageContaining("is a directory");
    }

    @Test
    void aNewDirectoryIsDiscardedWithEverythingWrittenIntoIt() throws IOException {
        Path created = directory.resolve("run");
        OutputTarget.NewDirectory fresh = OutputTarget.createEmptyDirectory(created, "--out");
        Files.writeString(created.resolve("run.json"), "{}");
        fresh.discard();
        assertThat(created).doesNotExist();

        Path empty = directory.resolve("empty");
        Files.createDirectories(empty);
        OutputTarget.NewDirectory found = OutputTarget.createEmptyDirectory(empty, "--out");
        Files.writeString(empty.resolve("run.json"), "{}");
        found.discard();
        assertThat(empty).isEmptyDirectory();

        Files.writeString(empty.resolve("data.jsonl"), "mine");
        assertThatThrownBy(() -> OutputTarget.createEmptyDirectory(empty, "--out"))
                .isInstanceOf(PeftException.class).satisfies(code("OUTPUT_EXISTS")).hasMessageContaining(empty.toString());
        try (Stream<Path> files = Files.list(empty)) {
            assertThat(files).containsExactly(empty.resolve("data.jsonl"));
        }
    }

    @Test
    void aTargetBelowARegularFileFailsBeforeAnyWork() throws IOException {
        Path file = directory.resolve("notes.txt");
        Files.writeString(file, "mine");

        assertThatThrownBy(() -> adapter(file.resolve("adapter"), false).check())
                .isInstanceOf(PeftException.class).satisfies(code("WRITE_FAILED")).hasMessageContaining(file + " is a file, not a directory");
    }
}
