package io.github.peft4j.datasets;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.peft4j.core.io.StrictJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Streams the elements of a JSON array, the whole document or the array under one top-level field, each as a
 * tree with the line it starts on, so that the readers can name the line of a bad entry.
 */
final class JsonArrays {
    /** Receives one element and the line it starts on. */
    @FunctionalInterface
    interface ElementVisitor {
        void visit(JsonNode element, int line);
    }

    private JsonArrays() {}

    /**
     * Visits the elements of the document's array: the document itself when {@code field} is empty, else the
     * value of that field of the top-level object.
     */
    static void forEachElement(Path file, Optional<String> field, ElementVisitor visitor) {
        try (BufferedReader reader = DatasetFiles.open(file); JsonParser parser = StrictJson.MAPPER.createParser(reader)) {
            JsonToken token = parser.nextToken();
            if (field.isPresent()) {
                if (token != JsonToken.START_OBJECT) {
                    throw DatasetFiles.malformed(file, parser.currentTokenLocation().getLineNr(),
                            "the document must be an object with an array \"" + field.get() + "\"");
                }
                token = findField(file, parser, field.get());
            }
            if (token != JsonToken.START_ARRAY) {
                throw DatasetFiles.malformed(file, parser.currentTokenLocation().getLineNr(),
                        field.map(name -> "\"" + name + "\" must be an array").orElse("the document must be an array"));
            }
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                int line = parser.currentTokenLocation().getLineNr();
                visitor.visit(StrictJson.readValue(parser), line);
            }
            if (field.isEmpty() && parser.nextToken() != null) {
                throw DatasetFiles.malformed(file, parser.currentTokenLocation().getLineNr(), "has text after the JSON array: a file holds one array");
            }
        }
        catch (JsonProcessingException e) {
            throw DatasetFiles.malformed(file, e.getLocation() == null ? 0 : e.getLocation().getLineNr(),
                    StrictJson.problem(e));
        }
        catch (IOException e) {
            throw DatasetFiles.readFailure(file, e);
        }
    }

    /** Moves to the value of {@code name} in the current object and returns its first token. */
    private static JsonToken findField(Path file, JsonParser parser, String name) throws IOException {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String current = parser.currentName();
            JsonToken value = parser.nextToken();
            if (current.equals(name)) {
                return value;
            }
            parser.skipChildren();
        }
        throw DatasetFiles.malformedFile(file, "the document has no field \"" + name + "\"");
    }

    /** The text of {@code object.field}, or empty when it is absent or not a string. */
    static Optional<String> text(JsonNode object, String field) {
        JsonNode value = object.get(field);
        return value != null && value.isTextual() ? Optional.of(value.asText()) : Optional.empty();
    }
}
