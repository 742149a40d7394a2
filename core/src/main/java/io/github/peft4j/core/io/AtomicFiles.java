package io.github.peft4j.core.io;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Writes a file so that readers see either the old complete file or the new complete file: the content goes to a
 * temporary file beside the target, is forced to disk, and is renamed over the target.
 */
public final class AtomicFiles {
    /** Produces a file's content. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() {}

    public static void write(Path target, Content content) {
        Path absolute = target.toAbsolutePath();
        Path directory = absolute.getParent();
        Path temporary = null;
        try {
            Files.createDirectories(directory);
            temporary = Files.createTempFile(directory, "." + absolute.getFileName(), ".tmp");
            keepUsualPermissions(temporary, absolute);
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = Channels.newOutputStream(channel);
                content.writeTo(out);
                out.flush();
                channel.force(true);
            }
            moveIntoPlace(temporary, absolute);
        }
        catch (IOException | RuntimeException e) {
            deleteQuietly(temporary);
            if (e instanceof PeftException peft) {
                throw peft;
            }
            throw new PeftException(StandardErrorCode.WRITE_FAILED,
                    "Could not write " + target + " (" + e + "); any previous version of it is intact. Check the disk space and permissions of " + directory, e);
        }
    }

    /**
     * Replaces directory {@code target} with what {@code writer} puts into a fresh sibling directory: readers see
     * the old complete directory or the new complete one. If the process dies between the two renames, the old
     * directory survives as {@code target.old} and {@link #existingDirectory} still finds it.
     */
    public static void replaceDirectory(Path target, Consumer<Path> writer) {
        Path absolute = target.toAbsolutePath();
        Path partial = absolute.resolveSibling(absolute.getFileName() + ".partial");
        Path old = absolute.resolveSibling(absolute.getFileName() + ".old");
        try {
            deleteRecursively(partial);
            Files.createDirectories(partial);
            writer.accept(partial);
            deleteRecursively(old);
            if (Files.exists(absolute)) {
                Files.move(absolute, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(partial, absolute, StandardCopyOption.ATOMIC_MOVE);
            deleteRecursively(old);
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.WRITE_FAILED, "Could not write " + target + " (" + e + "); the previous version is in "
                    + target + " or " + old + ". Check the disk space and permissions.", e);
        }
    }

    /** {@code directory}, or the previous version a {@link #replaceDirectory} cut short left as {@code directory.old}. */
    public static Optional<Path> existingDirectory(Path directory) {
        if (Files.isDirectory(directory)) {
            return Optional.of(directory);
        }
        Path old = directory.resolveSibling(directory.getFileName() + ".old");
        return Files.isDirectory(old) ? Optional.of(old) : Optional.empty();
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path each : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(each);
            }
        }
    }

    public static void writeString(Path target, String text) {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Temporary files are private (0600); the result gets the target's old permissions, or rw-r--r--. */
    private static void keepUsualPermissions(Path temporary, Path target) throws IOException {
        if (!Files.getFileStore(temporary).supportsFileAttributeView(PosixFileAttributeView.class)) {
            return;
        }
        Set<PosixFilePermission> permissions = Files.exists(target)
                ? Files.getPosixFilePermissions(target)
                : PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(temporary, permissions);
    }

    private static void moveIntoPlace(Path temporary, Path target) throws IOException {
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            }
            catch (IOException ignored) {
                // The original error matters more than a leftover temporary file.
            }
        }
    }
}
