package io.github.peft4j.core.format;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.peft4j.core.adapter.Settings;
import io.github.peft4j.core.io.IoErrors;
import io.github.peft4j.core.io.StrictJson;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Reading an adapter directory's {@code adapter_config.json} (Hugging Face PEFT's, or peft4j's own layout): every
 * failure is a user error that names the file and the key, and says what was expected.
 */
public final class AdapterConfigFiles {
    private AdapterConfigFiles() {}

    /** The JSON object in {@code file}, which exists. */
    public static JsonNode read(Path file) {
        JsonNode config;
        try {
            config = StrictJson.readFile(file, problem -> new PeftException(StandardErrorCode.MALFORMED_CONFIG, file + " " + problem
                    + "; fix or re-export the adapter"));
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "Cannot read " + file + ": " + IoErrors.describe(e), e);
        }
        if (config == null || !config.isObject()) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, file + " must hold a JSON object (an adapter's settings); it holds "
                    + (config == null || config.isMissingNode() ? "nothing" : config.getNodeType().toString().toLowerCase(Locale.ROOT)));
        }
        return config;
    }

    /** Refuses {@code config} unless its {@code key} is the text {@code expected}. */
    public static void requireText(Path file, JsonNode config, String key, String expected) {
        JsonNode actual = config.get(key);
        if (actual == null || !actual.isTextual() || !actual.asText().equals(expected)) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, file + " has \"" + key + "\": " + actual + "; expected \"" + expected + "\"");
        }
    }

    /**
     * Refuses {@code config} unless its {@code key} is the whole number {@code expected}, a size of the model (the
     * adapter was trained for another model otherwise).
     */
    public static void requireModelNumber(Path file, JsonNode config, String key, int expected) {
        Optional<BigInteger> actual = wholeNumber(config.get(key));
        if (actual.isEmpty() || !actual.get().equals(BigInteger.valueOf(expected))) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, file + " has \"" + key + "\": " + config.get(key) + " but the model has " + expected
                    + "; this adapter was trained for a different base model");
        }
    }

    /** The whole number {@code >= 1} under {@code key}, e.g. {@code num_virtual_tokens}. */
    public static int positiveInt(Path file, JsonNode config, String key) {
        Optional<BigInteger> value = wholeNumber(config.get(key));
        if (value.isEmpty() || value.get().signum() <= 0) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, file + " has \"" + key + "\": " + config.get(key)
                    + "; expected a whole number >= 1");
        }
        if (value.get().compareTo(BigInteger.valueOf(Integer.MAX_VALUE)) > 0) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, file + " has \"" + key + "\": " + config.get(key) + ", more than peft4j can index ("
                    + Integer.MAX_VALUE + "); the file is corrupt or not an adapter's");
        }
        return value.get().intValue();
    }

    /**
     * The constant of {@code type} whose {@link Settings#setting} (its name in lower case) the text under {@code key}
     * is, or {@code otherwise} when the key is absent.
     */
    public static <E extends Enum<E>> E enumValue(Path file, JsonNode config, String key, Class<E> type, E otherwise) {
        JsonNode value = config.get(key);
        if (value == null || value.isNull()) {
            return otherwise;
        }
        return Optional.of(value).filter(JsonNode::isTextual).flatMap(text -> Settings.lookup(type, text.asText()))
                .orElseThrow(() -> new PeftException(StandardErrorCode.MALFORMED_CONFIG, file + " has \"" + key + "\": " + value + "; expected "
                        + Settings.choices(type) + " (as text)"));
    }

    /** The whole number {@code node} holds (2 or 2.0), if it is one. */
    private static Optional<BigInteger> wholeNumber(JsonNode node) {
        if (node == null || !node.isNumber()) {
            return Optional.empty();
        }
        if (node.isIntegralNumber()) {
            return Optional.of(node.bigIntegerValue());
        }
        if (!Double.isFinite(node.doubleValue())) {
            return Optional.empty();
        }
        BigDecimal decimal = node.decimalValue();
        return decimal.stripTrailingZeros().scale() <= 0 ? Optional.of(decimal.toBigIntegerExact()) : Optional.empty();
    }
}
