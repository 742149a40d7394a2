package io.github.peft4j.datasets;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A strict RFC 4180 reader: fields separated by commas, records by CRLF or LF; a field that holds a comma, a
 * quote or a line break is quoted, with its quotes doubled. A quote inside an unquoted field, text after a
 * closing quote and a quoted field that never closes are errors naming the line. Empty lines are skipped.
 */
final class CsvRecords {
    /** One record and the line it starts on. */
    record CsvRecord(int line, List<String> fields) {
        CsvRecord {
            fields = List.copyOf(fields);
        }
    }

    private final Path file;
    private final String text;
    private int position;
    private int line = 1;

    private CsvRecords(Path file, String text) {
        this.file = file;
        this.text = text;
    }

    /** The records of a UTF-8 CSV file, the header included. */
    static List<CsvRecord> read(Path file) {
        return new CsvRecords(file, DatasetFiles.readString(file)).records();
    }

    private List<CsvRecord> records() {
        List<CsvRecord> records = new ArrayList<>();
        while (position < text.length()) {
            int start = line;
            List<String> fields = record();
            boolean emptyLine = fields.size() == 1 && fields.get(0).isEmpty();
            if (!emptyLine) {
                records.add(new CsvRecord(start, fields));
            }
        }
        return records;
    }

    /** Reads fields up to and including the end of the record. */
    private List<String> record() {
        List<String> fields = new ArrayList<>();
        while (true) {
            fields.add(position < text.length() && text.charAt(position) == '"' ? quotedField() : plainField());
            if (position >= text.length()) {
                return fields;
            }
            char separator = text.charAt(position++);
            if (separator != ',') {
                skipLineBreak(separator);
                return fields;
            }
        }
    }

    private String plainField() {
        int start = position;
        while (position < text.length()) {
            char c = text.charAt(position);
            if (c == ',' || c == '\n' || c == '\r') {
                break;
            }
            if (c == '"') {
                throw DatasetFiles.malformed(file, line,
                        "a quote inside an unquoted field; a field with quotes must be quoted and its quotes doubled");
            }
            position++;
        }
        return text.substring(start, position);
    }

    private String quotedField() {
        int openedOn = line;
        position++;
        StringBuilder field = new StringBuilder();
        while (position < text.length()) {
            char c = text.charAt(position++);
            if (c == '"') {
                if (position < text.length() && text.charAt(position) == '"') {
                    field.append('"');
                    position++;
                    continue;
                }
                if (position < text.length() && ",\r\n".indexOf(text.charAt(position)) < 0) {
                    throw DatasetFiles.malformed(file, line, "text after the closing quote of a field (a quote inside "
                            + "a quoted field must be doubled)");
                }
                return field.toString();
            }
            if (c == '\n' || (c == '\r' && (position >= text.length() || text.charAt(position) != '\n'))) {
                line++;
            }
            field.append(c);
        }
        throw DatasetFiles.malformed(file, openedOn, "a quoted field opened on this line is never closed");
    }

    /** After a CR or LF ends a record: a CR may be followed by the LF of a CRLF. */
    private void skipLineBreak(char first) {
        if (first == '\r' && position < text.length() && text.charAt(position) == '\n') {
            position++;
        }
        line++;
    }
}
