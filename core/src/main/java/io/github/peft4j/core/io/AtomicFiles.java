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
import java.util.Set;

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
