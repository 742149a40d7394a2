package io.github.peft4j.datasets;

import io.github.peft4j.core.io.TextFiles;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opening dataset files and the errors the readers raise, so that every message names the file and place. */
final class DatasetFiles {
    /** Receives one line of a text file and its 1-based number. */
    @FunctionalInterface
    interface LineVisitor {
        void visit(String line, int number);
    }

    private DatasetFiles() {}

    /** Visits the lines of a UTF-8 text file in order, without a leading byte order mark. */
    static void forEachLine(Path file, LineVisitor visitor) {
        try (BufferedReader reader = open(file)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                visitor.visit(line, number);
            }
        }
        catch (IOException e) {
            throw readFailure(file, e);
        }
    }

    /** A strict UTF-8 reader without a leading byte order mark: malformed bytes fail the read instead of turning into replacement characters. */
    static BufferedReader open(Path file) {
        try {
            return TextFiles.open(file);
        }
        catch (IOException e) {
            throw readFailure(file, e);
        }
    }

    /** The whole file as strict UTF-8 text. */
    static String readString(Path file) {
        try {
            return TextFiles.withoutByteOrderMark(Files.readString(file, StandardCharsets.UTF_8));
        }
        catch (IOException e) {
            throw readFailure(file, e);
        }
    }

    /** The user error for a failed read: a missing file, bytes that are not UTF-8 (naming the line), or the I/O failure in words. */
    static PeftException readFailure(Path file, IOException e) {
        return TextFiles.readFailure(file, "data file", e);
    }

    /** A problem at a line of a text, CSV or JSON file. */
    static PeftException malformed(Path file, long line, String problem) {
        return new PeftException(StandardErrorCode.MALFORMED_DATASET, file + ":" + line + ": " + problem);
    }

    /** A problem with one entry of an XML file, named by its {@code eid} and position. */
    static PeftException malformedEntry(Path file, String entry, String problem) {
        return new PeftException(StandardErrorCode.MALFORMED_DATASET, file + ": " + entry + ": " + problem);
    }

    /** A problem with the file as a whole. */
    static PeftException malformedFile(Path file, String problem) {
        return new PeftException(StandardErrorCode.MALFORMED_DATASET, file + ": " + problem);
    }
}
