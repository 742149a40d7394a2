package io.github.peft4j.adapter.infix;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

/** Parsing of settings as users type them; every failure is an INVALID_ARGUMENT naming the key. */
final class Settings {
    private Settings() {}

    static void checkKeys(String method, Map<String, String> settings, List<String> known) {
        for (String key : settings.keySet()) {
            check(known.contains(key), "Unknown " + method + " setting '" + key + "'; known settings: " + String.join(", ", known));
        }
    }

    static OptionalInt optionalInt(Map<String, String> settings, String key, int minimum, String meaning) {
        String value = settings.get(key);
        if (value == null) {
            return OptionalInt.empty();
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= minimum) {
                return OptionalInt.of(parsed);
            }
        }
        catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(key + " is " + meaning + "; got '" + value + "'");
    }

    static <E extends Enum<E>> E parseEnum(Map<String, String> settings, String key, Class<E> type, E otherwise) {
        String value = settings.get(key);
        if (value == null) {
            return otherwise;
        }
        for (E constant : type.getEnumConstants()) {
            if (setting(constant).equals(value.trim())) {
                return constant;
            }
        }
        List<String> names = Arrays.stream(type.getEnumConstants()).map(Settings::setting).toList();
        String allowed = String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
        throw invalid(key + " is " + allowed + "; got '" + value + "'");
    }

    /** The value users type for an enum constant: its name in lower case. */
    static String setting(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }

    static List<Long> parseIds(String key, String value) {
        if (value == null) {
            return List.of();
        }
        List<Long> ids = new ArrayList<>();
        try {
            for (String id : value.split(",", -1)) {
                ids.add(Long.parseLong(id.trim()));
            }
        }
        catch (NumberFormatException e) {
            throw invalid(key + " is a comma-separated list of token ids, e.g. 464,3290,318; got '" + value + "'");
        }
        check(ids.stream().allMatch(id -> id >= 0), key + " are token ids >= 0; got '" + value + "'");
        return ids;
    }

    static Path parsePath(String key, String value) {
        try {
            return Path.of(value);
        }
        catch (InvalidPathException e) {
            throw invalid(key + " is a file or directory path; got '" + value + "' (" + e.getReason() + ")");
        }
    }

    static void check(boolean condition, String message) {
        if (!condition) {
            throw invalid(message);
        }
    }

    static PeftException invalid(String message) {
        return new PeftException(StandardErrorCode.INVALID_ARGUMENT, message);
    }
}
