package io.github.peft4j.core.safetensors;

import io.github.peft4j.core.io.IoErrors;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * What a file was when it was opened: its size, modification time and identity (the file system's key, e.g. the
 * inode). Comparing them with a fresh stat tells whether the file was truncated, rewritten or replaced since.
 */
record FileStamp(Path path, long size, FileTime modified, Object key) {
    static FileStamp of(Path path) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
        return new FileStamp(path, attributes.size(), attributes.lastModifiedTime(), attributes.fileKey());
    }

    /** Throws {@link StandardErrorCode#MALFORMED_CHECKPOINT} naming the file and what changed. */
    void requireUnchanged() {
        String change;
        try {
            FileStamp now = of(path);
            if (now.size != size) {
                change = "its size went from " + size + " to " + now.size + " bytes";
            }
            else if (!Objects.equals(now.key, key)) {
                change = "another file has replaced it";
            }
            else if (!now.modified.equals(modified)) {
                change = "it was modified at " + now.modified + " (it was opened as of " + modified + ")";
            }
            else {
                return;
            }
        }
        catch (NoSuchFileException e) {
            change = "it was deleted or moved";
        }
        catch (IOException e) {
            change = "it can no longer be read (" + IoErrors.describe(e) + ")";
        }
        throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, path + " changed on disk while in use: " + change
                + ". The model's weights are read from this file as they are needed, so it must stay unchanged while a command runs;"
                + " peft4j stopped before using it again. Restore the file (or point --model at an unchanged copy) and run the command again");
    }
}
