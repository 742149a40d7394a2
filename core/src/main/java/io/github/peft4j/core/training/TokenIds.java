package io.github.peft4j.core.training;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.Optional;

/**
 * Token ids as people write them, in data files and on the command line: whole numbers from 0 to
 * {@value Long#MAX_VALUE}. What is not one is refused with a reason, never wrapped or rounded.
 */
public final class TokenIds {
    private TokenIds() {}

    /** Why {@code text} is not a token id, e.g. {@code "1.5 is not a whole number"}; empty when it is one. */
    public static Optional<String> problem(String text) {
        BigDecimal number;
        try {
            number = new BigDecimal(text.strip());
        }
        catch (NumberFormatException e) {
            return Optional.of("'" + text + "' is not a number; a token id is a whole number such as 15496");
        }
        return problem(number, text);
    }

    /** The token id {@code text} writes; see {@link #problem(String)} for what is refused. */
    public static long parse(String text) {
        problem(text).ifPresent(reason -> {
            throw new IllegalArgumentException(reason);
        });
        return Long.parseLong(text.strip());
    }

    /** Why a JSON value is not a token id; empty when it is one. */
    public static Optional<String> problem(JsonNode value) {
        if (!value.isNumber()) {
            return Optional.of(value + " is not a number; a token id is a whole number such as 15496");
        }
        if (!value.isIntegralNumber()) {
            return Optional.of(value + " is not written as a whole number; write token ids as integers such as 15496 (not 1.5 or 1e3)");
        }
        return problem(value.decimalValue(), value.toString());
    }

    /** The token id a JSON value holds, which {@link #problem(JsonNode)} found to be one. */
    public static long of(JsonNode value) {
        return value.longValue();
    }

    private static Optional<String> problem(BigDecimal number, String text) {
        if (number.signum() < 0) {
            return Optional.of(text + " is negative; token ids start at 0");
        }
        if (number.stripTrailingZeros().scale() > 0 || text.contains(".") || text.toLowerCase(Locale.ROOT).contains("e")) {
            return Optional.of(text + " is not written as a whole number; write token ids as integers such as 15496 (not 1.5 or 1e3)");
        }
        if (number.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            return Optional.of(text + " is larger than any token id can be (at most " + Long.MAX_VALUE + ")");
        }
        return Optional.empty();
    }
}
