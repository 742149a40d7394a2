package io.github.peft4j.core.training;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.peft4j.core.io.IoErrors;
import io.github.peft4j.core.io.StrictJson;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads the fields of one JSON file peft4j wrote (a run's {@code run.json}, a checkpoint's {@code state.json}),
 * refusing a missing field, a wrong type or a value out of range with a message that names the file and the field
 * (by its dotted path, e.g. {@code training.epochs}) and says what to do.
 */
final class JsonFields {
    private final Path file;
    private final StandardErrorCode code;
    private final String advice;

    /**
     * @param code what a bad field is ({@link StandardErrorCode#MALFORMED_CONFIG} or
     *     {@link StandardErrorCode#MALFORMED_CHECKPOINT})
     * @param advice what to do, appended to every message
     */
    JsonFields(Path file, StandardErrorCode code, String advice) {
        this.file = file;
        this.code = code;
        this.advice = advice;
    }

    /** The file's top-level object. */
    JsonNode root() {
        JsonNode root;
        try {
            root = StrictJson.readFile(file, this::damaged);
        }
        catch (NoSuchFileException e) {
            throw damaged("is missing");
        }
        catch (IOException e) {
            throw damaged("cannot be read (" + IoErrors.describe(e) + ")");
        }
        if (root == null || !root.isObject()) {
            throw damaged("does not hold a JSON object");
        }
        return root;
    }

    /** The object at {@code path} (dotted, from the root). */
    JsonNode object(JsonNode root, String path) {
        JsonNode node = required(root, path);
        if (!node.isObject()) {
            throw invalid(path, "must be a JSON object");
        }
        return node;
    }

    /** The field at the end of {@code path}, if present and not null; {@code parent} holds it. */
    Optional<JsonNode> optional(JsonNode parent, String path) {
        JsonNode node = parent.get(key(path));
        return node == null || node.isNull() ? Optional.empty() : Optional.of(node);
    }

    JsonNode required(JsonNode parent, String path) {
        return optional(parent, path).orElseThrow(() -> new PeftException(code, file + " lacks \"" + path + "\"" + advice));
    }

    long wholeNumber(JsonNode parent, String path) {
        return wholeNumber(path, required(parent, path), Long.MIN_VALUE, Long.MAX_VALUE);
    }

    int smallWholeNumber(JsonNode parent, String path) {
        return (int) wholeNumber(path, required(parent, path), Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** A whole number in [{@code min}, {@code max}]. */
    long wholeNumber(String path, JsonNode node, long min, long max) {
        if (!node.isIntegralNumber()) {
            throw invalid(path, "must be a whole number (got " + node + ")");
        }
        if (!node.canConvertToLong() || node.asLong() < min || node.asLong() > max) {
            throw invalid(path, "must be from " + min + " to " + max + " (got " + node + ")");
        }
        return node.asLong();
    }

    /** A number; {@code "NaN"} (how Jackson writes NaN) when {@code nanAllowed}. */
    double number(JsonNode parent, String path, boolean nanAllowed) {
        JsonNode node = required(parent, path);
        if (nanAllowed && node.isTextual() && node.asText().equals("NaN")) {
            return Double.NaN;
        }
        if (!node.isNumber()) {
            throw invalid(path, "must be a number" + (nanAllowed ? " or \"NaN\"" : "") + " (got " + node + ")");
        }
        return node.asDouble();
    }

    boolean bool(JsonNode parent, String path) {
        JsonNode node = required(parent, path);
        if (!node.isBoolean()) {
            throw invalid(path, "must be true or false (got " + node + ")");
        }
        return node.asBoolean();
    }

    String text(JsonNode parent, String path) {
        return text(path, required(parent, path));
    }

    String text(String path, JsonNode node) {
        if (!node.isTextual()) {
            throw invalid(path, "must be a string (got " + node + ")");
        }
        return node.asText();
    }

    /** The user error for field {@code path}: "FILE: "path" PROBLEM; ADVICE". */
    PeftException invalid(String path, String problem) {
        return new PeftException(code, file + ": \"" + path + "\" " + problem + advice);
    }

    private PeftException damaged(String problem) {
        return new PeftException(code, file + " " + problem + advice);
    }

    /** The last part of a dotted path: the key in its object. */
    static String key(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }
}
