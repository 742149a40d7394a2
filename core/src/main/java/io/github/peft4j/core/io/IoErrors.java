package io.github.peft4j.core.io;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * I/O failures in words a user can act on. Java's exceptions print as class names with bare paths
 * ({@code java.nio.file.AccessDeniedException: /x}); messages shown to users say what happened instead.
 */
public final class IoErrors {
    private IoErrors() {}

    /** What went wrong, e.g. {@code "permission denied: /data/run"} or {@code "Read-only file system: /mnt/x"}. */
    public static String describe(IOException e) {
        if (e instanceof CharacterCodingException) {
            return "the bytes are not valid UTF-8 text";
        }
        if (e instanceof FileSystemException fileSystem) {
            String file = fileSystem.getFile() == null ? "" : ": " + fileSystem.getFile();
            String reason;
            if (e instanceof NoSuchFileException) {
                reason = "no such file or directory";
            }
            else if (e instanceof AccessDeniedException) {
                reason = "permission denied";
            }
            else if (e instanceof FileAlreadyExistsException) {
                reason = "already exists";
            }
            else if (e instanceof NotDirectoryException) {
                reason = "not a directory";
            }
            else if (e instanceof DirectoryNotEmptyException) {
                reason = "directory not empty";
            }
            else {
                reason = fileSystem.getReason() == null ? "failed" : fileSystem.getReason();
            }
            return reason + file;
        }
        return e.getMessage() == null ? "an I/O error" : e.getMessage();
    }

    /** The user error for an output that could not be written: it names the target, the cause and what to check. */
    public static PeftException writeFailed(Path target, IOException e) {
        String cause = blockingFile(target).map(file -> file + " is a file, not a directory").orElseGet(() -> describe(e));
        return new PeftException(StandardErrorCode.WRITE_FAILED, "Cannot write " + target + " (" + cause
                + "); nothing that was there before was changed. Check that its folder exists, is a directory and is writable, and that the disk has space", e);
    }

    /** The closest existing ancestor of {@code target} when it is not a directory (so nothing can be created below it). */
    static Optional<Path> blockingFile(Path target) {
        for (Path ancestor = target.toAbsolutePath().getParent(); ancestor != null; ancestor = ancestor.getParent()) {
            if (Files.exists(ancestor)) {
                return Files.isDirectory(ancestor) ? Optional.empty() : Optional.of(ancestor);
            }
        }
        return Optional.empty();
    }
}
