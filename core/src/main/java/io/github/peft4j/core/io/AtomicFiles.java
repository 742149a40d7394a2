package io.github.peft4j.core.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes a file so that readers see either the old complete file or the new complete file: the content goes to a
 * temporary file beside the target, is forced to disk, and is renamed over the target. Directories are replaced the
 * same way ({@link #replaceDirectory}). These are the mechanics; {@link OutputTarget} decides whether a command may
 * write a target at all.
 */
public final class AtomicFiles {
    /** Produces a file's content. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private static final String TEMPORARY_TAG = ".peft4j-";
    private static final String TEMPORARY_SUFFIX = ".tmp";
    private static final String PARTIAL_SUFFIX = ".peft4j-partial";
    private static final String OLD_SUFFIX = ".peft4j-old";

    private AtomicFiles() {}

    /**
     * Writes {@code target} atomically. The temporary file is {@code .NAME.peft4j-PID-RANDOM.tmp}: a writer that is
     * killed leaves it behind, and the next write of the same target removes the ones whose process is gone.
     */
    public static void write(Path target, Content content) {
        Path absolute = target.toAbsolutePath();
        Path directory = absolute.getParent();
        Path temporary = null;
        try {
            Files.createDirectories(directory);
            removeDeadWritersTemporaries(absolute);
            temporary = Files.createTempFile(directory, temporaryPrefix(absolute), TEMPORARY_SUFFIX);
            keepUsualPermissions(temporary, absolute);
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = Channels.newOutputStream(channel);
                content.writeTo(out);
                out.flush();
                channel.force(true);
            }
            moveIntoPlace(temporary, absolute);
        }
        catch (IOException e) {
            deleteQuietly(temporary);
            throw IoErrors.writeFailed(target, e);
        }
        catch (RuntimeException | Error e) {
            deleteQuietly(temporary);
            throw e;
        }
    }

    public static void writeString(Path target, String text) {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Replaces directory {@code target} with what {@code writer} puts into a fresh sibling {@code target.peft4j-partial}:
     * readers see the old complete directory or the new complete one. The swap is two renames (target to
     * {@code target.peft4j-old}, partial to target); a process killed between them leaves no {@code target} but a
     * complete {@code target.peft4j-old}, which the next {@link #replaceDirectory} or {@link #existingDirectory} of
     * the same target renames back before doing anything else. So a kill at any point leaves either the old or the
     * new directory at {@code target}, or the old one one access away from it.
     */
    public static void replaceDirectory(Path target, Consumer<Path> writer) {
        Path absolute = target.toAbsolutePath();
        Path partial = sibling(absolute, PARTIAL_SUFFIX);
        Path old = sibling(absolute, OLD_SUFFIX);
        boolean written = false;
        try {
            recoverCutShortSwap(absolute);
            deleteRecursively(partial);
            Files.createDirectories(partial);
            writer.accept(partial);
            written = true;
            deleteRecursively(old);
            if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(absolute, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(partial, absolute, StandardCopyOption.ATOMIC_MOVE);
            deleteRecursively(old);
        }
        catch (IOException e) {
            throw IoErrors.writeFailed(target, e);
        }
        finally {
            if (!written) {
                deleteQuietly(partial);
            }
        }
    }

    /**
     * {@code directory} as the last complete {@link #replaceDirectory} left it. When a replacement was cut short
     * between its two renames, the previous version is renamed back into place first; where that is impossible (a
     * read-only file system), the previous version is returned where it is.
     */
    public static Optional<Path> existingDirectory(Path directory) {
        if (Files.isDirectory(directory)) {
            return Optional.of(directory);
        }
        Path old = sibling(directory, OLD_SUFFIX);
        if (!Files.isDirectory(old)) {
            return Optional.empty();
        }
        try {
            recoverCutShortSwap(directory.toAbsolutePath());
            return Optional.of(directory);
        }
        catch (IOException e) {
            return Optional.of(old);
        }
    }

    /**
     * Creates {@code directory} (and its parents) for an output, or fails with the user error WRITE_FAILED naming
     * it, e.g. when a parent is a regular file.
     */
    public static void createDirectories(Path directory) {
        try {
            Files.createDirectories(directory);
        }
        catch (IOException e) {
            throw IoErrors.writeFailed(directory, e);
        }
    }

    /** Deletes {@code path} and everything under it (a symbolic link is deleted, not followed). */
    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path each : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(each);
            }
        }
    }

    private static void recoverCutShortSwap(Path absolute) throws IOException {
        Path old = sibling(absolute, OLD_SUFFIX);
        if (!Files.exists(absolute, LinkOption.NOFOLLOW_LINKS) && Files.isDirectory(old, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(old, absolute, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static Path sibling(Path path, String suffix) {
        return path.resolveSibling(path.getFileName() + suffix);
    }

    private static String temporaryPrefix(Path target) {
        return "." + target.getFileName() + TEMPORARY_TAG + ProcessHandle.current().pid() + "-";
    }

    /**
     * Removes {@code target}'s temporary files left by writers that died (their process is gone); those of a live
     * process, which may be writing right now, are kept.
     */
    private static void removeDeadWritersTemporaries(Path target) throws IOException {
        Pattern temporary = Pattern.compile(Pattern.quote("." + target.getFileName() + TEMPORARY_TAG) + "(\\d{1,18})-\\d+" + Pattern.quote(TEMPORARY_SUFFIX));
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(target.getParent(), entry -> temporary.matcher(entry.getFileName().toString()).matches())) {
            for (Path entry : entries) {
                Matcher matcher = temporary.matcher(entry.getFileName().toString());
                boolean writerAlive = matcher.matches() && ProcessHandle.of(Long.parseLong(matcher.group(1))).map(ProcessHandle::isAlive).orElse(false);
                if (!writerAlive) {
                    deleteQuietly(entry);
                }
            }
        }
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

    private static void deleteQuietly(Path path) {
        if (path != null) {
            try {
                deleteRecursively(path);
            }
            catch (IOException ignored) {
                // The original error matters more than a leftover temporary file.
            }
        }
    }
}
