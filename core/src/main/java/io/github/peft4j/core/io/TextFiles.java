package io.github.peft4j.core.io;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Text files read as strict UTF-8, with errors that name the file and the line where it stops being UTF-8. */
public final class TextFiles {
    private static final int CHUNK = 1 << 16;
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private TextFiles() {}

    /**
     * The lines of a UTF-8 text file.
     *
     * @param what how messages name the file, e.g. {@code "requests file"}
     * @throws PeftException FILE_NOT_FOUND when it does not exist or cannot be read; MALFORMED_DATASET when it is not
     *     UTF-8, naming the line
     */
    public static List<String> readLines(Path file, String what) {
        try (BufferedReader reader = open(file)) {
            return reader.lines().toList();
        }
        catch (UncheckedIOException e) {
            throw readFailure(file, what, e.getCause());
        }
        catch (IOException e) {
            throw readFailure(file, what, e);
        }
    }

    /**
     * A strict UTF-8 reader of {@code file} (bytes that are not UTF-8 fail the read) that skips a leading byte-order
     * mark, as editors on Windows write one and most tools accept it.
     */
    public static BufferedReader open(Path file) throws IOException {
        BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        try {
            reader.mark(1);
            if (reader.read() != BYTE_ORDER_MARK) {
                reader.reset();
            }
            return reader;
        }
        catch (IOException e) {
            reader.close();
            throw e;
        }
    }

    /** {@code text} without a leading byte-order mark. */
    public static String withoutByteOrderMark(String text) {
        return !text.isEmpty() && text.charAt(0) == BYTE_ORDER_MARK ? text.substring(1) : text;
    }

    /** The user error for a failed read of a text file; {@code what} names the file, e.g. {@code "data file"}. */
    public static PeftException readFailure(Path file, String what, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new PeftException(StandardErrorCode.FILE_NOT_FOUND, capitalized(what) + " " + file + " does not exist");
        }
        if (e instanceof CharacterCodingException) {
            return new PeftException(StandardErrorCode.MALFORMED_DATASET, notUtf8(file), e);
        }
        return new PeftException(StandardErrorCode.FILE_NOT_FOUND, "Cannot read " + what + " " + file + ": " + IoErrors.describe(e), e);
    }

    /**
     * Where {@code file} first stops being UTF-8 and what to do, e.g. {@code "data.jsonl:3: byte 0xE9 (byte 57 of the
     * file) is not UTF-8 ..."}; for a message once a strict UTF-8 read of it failed.
     */
    public static String notUtf8(Path file) {
        String advice = ": save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8 " + file + ")";
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bytes = ByteBuffer.allocate(CHUNK);
        CharBuffer chars = CharBuffer.allocate(CHUNK);
        long consumed = 0;
        long line = 1;
        try (InputStream in = Files.newInputStream(file)) {
            boolean end = false;
            while (true) {
                int read = end ? -1 : in.read(bytes.array(), bytes.position(), bytes.remaining());
                end = read < 0;
                bytes.position(bytes.position() + Math.max(read, 0));
                bytes.flip();
                CoderResult result = decoder.decode(bytes, chars, end);
                chars.flip();
                while (chars.hasRemaining()) {
                    if (chars.get() == '\n') {
                        line++;
                    }
                }
                chars.clear();
                if (result.isError()) {
                    long offset = consumed + bytes.position();
                    String found = bytes.hasRemaining() ? String.format(Locale.ROOT, "byte 0x%02X", bytes.get(bytes.position()) & 0xFF)
                            : "an unfinished character";
                    return file + ":" + line + ": " + found + " (byte " + offset + " of the file) is not UTF-8 text" + advice;
                }
                consumed += bytes.position();
                bytes.compact();
                if (end && !result.isOverflow()) {
                    return file + ": is not UTF-8 text" + advice;
                }
            }
        }
        catch (IOException e) {
            return file + ": is not UTF-8 text" + advice;
        }
    }

    private static String capitalized(String what) {
        return what.isEmpty() ? what : Character.toUpperCase(what.charAt(0)) + what.substring(1);
    }
}
