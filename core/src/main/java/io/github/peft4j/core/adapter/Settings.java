package io.github.peft4j.core.adapter;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.math.BigInteger;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * Parsing of adapter settings as users type them ({@code key=value} strings); every failure is a
 * {@link PeftException} with {@link StandardErrorCode#INVALID_ARGUMENT} whose message names the key and what it
 * accepts. Adapter plugins pass their method name and key names, so each keeps its own wording.
 */
public final class Settings {
    /** The key choosing where an adapter's starting values come from ({@code random}, {@code words} or {@code file}). */
    public static final String INIT = "init";
    /** The key of the words' token ids for {@code init=words}. */
    public static final String INIT_IDS = "init-ids";
    /** The key of the words as text for {@code init=words}. */
    public static final String INIT_TEXT = "init-text";
    /** The key of the starting file for {@code init=file}. */
    public static final String INIT_FILE = "init-file";
    /** The key of the number of virtual tokens, which every built-in adapter method has. */
    public static final String LENGTH = "length";
    /** The key of the reparameterisation MLP's width, which every built-in adapter method has. */
    public static final String MLP_WIDTH = "mlp-width";

    private Settings() {}

    /**
     * Checks that every key of {@code settings} is one of {@code known}.
     *
     * @param method the adapter method's name, as the message shows it (e.g. {@code prefix})
     */
    public static void checkKeys(String method, Map<String, String> settings, List<String> known) {
        for (String key : settings.keySet()) {
            check(known.contains(key), "Unknown " + method + " setting '" + key + "'; known settings: " + String.join(", ", known));
        }
    }

    /**
     * The whole number under {@code key}, if given; it must be at least {@code minimum}. A whole number beyond
     * {@link Integer#MAX_VALUE} is refused as too large, not as malformed.
     *
     * @param meaning what the value is, for the message (e.g. {@code a whole number >= 1})
     */
    public static OptionalInt optionalInt(Map<String, String> settings, String key, int minimum, String meaning) {
        String value = settings.get(key);
        if (value == null) {
            return OptionalInt.empty();
        }
        BigInteger parsed;
        try {
            parsed = new BigInteger(value.trim());
        }
        catch (NumberFormatException e) {
            throw invalid(key + " is " + meaning + "; got '" + value + "'");
        }
        check(parsed.compareTo(BigInteger.valueOf(Integer.MAX_VALUE)) <= 0, shown(key, value.trim()) + " is too large: it is "
                + meaning + ", at most " + Integer.MAX_VALUE + " (and far less in practice: the sizes it sets must fit in memory)");
        check(parsed.compareTo(BigInteger.valueOf(minimum)) >= 0, key + " is " + meaning + "; got '" + value + "'");
        return OptionalInt.of(parsed.intValue());
    }

    /**
     * How messages name the setting {@code key}: with the option of {@code peft4j train} that sets it for every
     * adapter method, where there is one, e.g. {@code length (--prefix-length, --lengths or --set length)}.
     */
    public static String shown(String key) {
        return trainOption(key).map(option -> key + " (" + option + ")").orElse(key);
    }

    /** How messages show {@code key}'s value, e.g. {@code length = 20 (--prefix-length, --lengths or --set length)}. */
    public static String shown(String key, Object value) {
        return key + " = " + value + trainOption(key).map(option -> " (" + option + ")").orElse("");
    }

    /** The option of {@code peft4j train} that sets {@code key} for every adapter method, if any. */
    private static Optional<String> trainOption(String key) {
        return Optional.ofNullable(switch (key) {
            // Every way a user sets it (train, ablate, --set), as messages cannot tell which one was used.
            case LENGTH -> "--prefix-length, --lengths or --set length";
            case MLP_WIDTH -> "--mlp-width or --set mlp-width";
            case INIT_FILE -> "--init";
            default -> null;
        });
    }

    /**
     * The constant of {@code type} whose {@link #setting} is {@code value}, if any (for values read from a file,
     * whose messages name the file).
     */
    public static <E extends Enum<E>> Optional<E> lookup(Class<E> type, String value) {
        return Arrays.stream(type.getEnumConstants()).filter(constant -> setting(constant).equals(value.trim())).findFirst();
    }

    /** The {@link #setting}s of {@code type}'s constants, as a message lists them: {@code a, b or c}. */
    public static <E extends Enum<E>> String choices(Class<E> type) {
        List<String> names = Arrays.stream(type.getEnumConstants()).map(Settings::setting).toList();
        return names.size() == 1 ? names.get(0) : String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
    }

    /** The constant of {@code type} whose {@link #setting} is the value under {@code key}, or {@code otherwise}. */
    public static <E extends Enum<E>> E parseEnum(Map<String, String> settings, String key, Class<E> type, E otherwise) {
        String value = settings.get(key);
        if (value == null) {
            return otherwise;
        }
        return lookup(type, value).orElseThrow(() -> invalid(key + " is " + choices(type) + "; got '" + value + "'"));
    }

    /** The value users type for an enum constant: its name in lower case. */
    public static String setting(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }

    /** The comma-separated token ids {@code value} of {@code key}; none when {@code value} is null. */
    public static List<Long> parseIds(String key, String value) {
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

    /** Token ids as {@link #parseIds} reads them back. */
    public static String formatIds(List<Long> ids) {
        return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    /** The path {@code value} of {@code key}. */
    public static Path parsePath(String key, String value) {
        try {
            return Path.of(value);
        }
        catch (InvalidPathException e) {
            throw invalid(key + " is a file or directory path; got '" + value + "' (" + e.getReason() + ")");
        }
    }

    /** The path under {@code key}, if given. */
    public static Optional<Path> optionalPath(Map<String, String> settings, String key) {
        return Optional.ofNullable(settings.get(key)).map(value -> parsePath(key, value));
    }

    /**
     * Checks that the starting sources fit {@code init} ({@code random}, {@code words} or {@code file}, the
     * {@link #setting} of an adapter's {@code Init} constant): random takes none, words exactly one of
     * {@link #INIT_IDS} and {@link #INIT_TEXT} and no file, file a file and no words.
     *
     * @param starting what the sources start, for the message (e.g. {@code prefix}: "the words decide the starting
     *     prefix")
     */
    public static void checkInitSources(String init, List<Long> initIds, Optional<String> initText, Optional<Path> initFile, String starting) {
        switch (init) {
            case "random" -> check(initIds.isEmpty() && initText.isEmpty() && initFile.isEmpty(),
                    INIT + "=random takes no " + INIT_IDS + ", " + INIT_TEXT + " or " + INIT_FILE + "; use " + INIT + "=words or " + INIT + "=file");
            case "words" -> {
                check(initIds.isEmpty() != initText.isEmpty(), INIT + "=words needs exactly one of " + INIT_IDS + " or " + INIT_TEXT);
                check(initFile.isEmpty(), INIT + "=words takes no " + INIT_FILE + "; the words decide the starting " + starting);
            }
            case "file" -> {
                check(initFile.isPresent(), INIT + "=file needs " + INIT_FILE);
                check(initIds.isEmpty() && initText.isEmpty(), INIT + "=file takes no " + INIT_IDS + " or " + INIT_TEXT
                        + "; the file decides the starting " + starting);
            }
            default -> throw new IllegalArgumentException("Unknown init " + init);
        }
    }

    /**
     * {@code actual}, after checking it against the user's explicit setting {@code key}, if any.
     *
     * @param source what gives {@code actual}, for the message (e.g. "the 3 tokens of the init words")
     */
    public static int agree(String key, OptionalInt configured, int actual, String source) {
        if (configured.isPresent() && configured.getAsInt() != actual) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, shown(key, configured.getAsInt()) + " contradicts " + source + ", which gives "
                    + actual + "; leave " + key + " out or make it agree");
        }
        return actual;
    }

    /** Throws {@link #invalid}{@code (message)} unless {@code condition}. */
    public static void check(boolean condition, String message) {
        if (!condition) {
            throw invalid(message);
        }
    }

    /** An {@link StandardErrorCode#INVALID_ARGUMENT} failure. */
    public static PeftException invalid(String message) {
        return new PeftException(StandardErrorCode.INVALID_ARGUMENT, message);
    }
}
