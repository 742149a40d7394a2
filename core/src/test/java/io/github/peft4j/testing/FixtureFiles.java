package io.github.peft4j.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Directory chores of test fixtures. */
public final class FixtureFiles {
    private FixtureFiles() {}

    /** Copies the files directly inside {@code from} (a model or adapter directory) into {@code to}, created; returns {@code to}. */
    public static Path copyDirectory(Path from, Path to) {
        try {
            Files.createDirectories(to);
            try (Stream<Path> files = Files.list(from)) {
                for (Path file : files.toList()) {
                    Files.copy(file, to.resolve(file.getFileName()));
                }
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return to;
    }

    /** A new empty directory under the system's temporary directory, for a fixture that outlives one test's {@code @TempDir}. */
    static Path createTemporaryDirectory(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes {@code directory} and everything below it. */
    static void deleteRecursively(Path directory) {
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
