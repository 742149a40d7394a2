package io.github.peft4j.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.peft4j.core.io.StrictJson;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Text pairs in JSON Lines: {@code {"source": ..., "target": ...}} per line, both text, the source used as it
 * is. Blank lines are skipped. An input is its source text: lines with the same source form one evaluation
 * item. (Files of token ids are read by {@code io.github.peft4j.core.training.JsonlExamples}.)
 */
public final class JsonlReader {
    /** The two fields of one line: the input and its reference. */
    record Fields(String source, String target) {
        @Override
        public String toString() {
            return "{\"" + source + "\", \"" + target + "\"}";
        }
    }

    static final Fields SOURCE_TARGET = new Fields("source", "target");

    private JsonlReader() {}

    /** Reads a file of {@code {"source", "target"}} lines. */
    public static DatasetSplit read(Path file) {
        return read(file, List.of(SOURCE_TARGET));
    }

    /** Reads a file whose lines each use one of the given pairs of field names (the first pair a line has). */
    static DatasetSplit read(Path file, List<Fields> accepted) {
        SplitBuilder split = new SplitBuilder();
        DatasetFiles.forEachLine(file, (line, number) -> {
            if (!line.isBlank()) {
                addLine(split, file, number, line, accepted);
            }
        });
        return split.build(file);
    }

    private static void addLine(SplitBuilder split, Path file, int number, String line, List<Fields> accepted) {
        JsonNode row = StrictJson.readLine(line, problem -> DatasetFiles.malformed(file, number, problem));
        if (row == null || !row.isObject()) {
            throw DatasetFiles.malformed(file, number, "a line must be a JSON object");
        }
        Fields fields = accepted.stream()
                .filter(candidate -> row.has(candidate.source()) && row.has(candidate.target()))
                .findFirst()
                .orElseThrow(() -> DatasetFiles.malformed(file, number, "a line must have the fields "
                        + String.join(" or ", accepted.stream().map(Fields::toString).toList()) + ", found " + fieldNames(row)));
        String source = text(file, number, row, fields.source());
        String target = text(file, number, row, fields.target());
        split.addPair(source, target, file + ":" + number);
    }

    private static String text(Path file, int number, JsonNode row, String field) {
        JsonNode value = row.get(field);
        if (!value.isTextual()) {
            throw DatasetFiles.malformed(file, number, "\"" + field + "\" must be text, found " + value.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        if (value.asText().isBlank()) {
            throw DatasetFiles.malformed(file, number, "\"" + field + "\" is empty");
        }
        return value.asText();
    }

    private static List<String> fieldNames(JsonNode row) {
        return row.properties().stream().map(Map.Entry::getKey).toList();
    }
}
