package io.github.peft4j.datasets;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.Arrays;
import java.util.Locale;

/** The splits a dataset is published in. */
public enum Split {
    TRAIN,
    DEV,
    TEST;

    /** The name used on the command line and in file names: {@code train}, {@code dev}, {@code test}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The split called {@code name}; anything else is an INVALID_ARGUMENT listing the choices. */
    public static Split fromLabel(String name) {
        for (Split split : values()) {
            if (split.label().equals(name)) {
                return split;
            }
        }
        throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Unknown split \"" + name + "\"; choose one of "
                + String.join(", ", Arrays.stream(values()).map(Split::label).toList()));
    }
}
