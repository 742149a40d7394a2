package io.github.peft4j.spi;

import static java.util.Objects.requireNonNull;

/**
 * A stable, machine-readable error identity: a number unique across peft4j, a SCREAMING_SNAKE name printed to
 * users, and whose fault it is.
 */
public record ErrorCode(int code, String name, ErrorType type) {
    public ErrorCode {
        if (code < 0) {
            throw new IllegalArgumentException("error code must be non-negative: " + code);
        }
        requireNonNull(name, "name");
        requireNonNull(type, "type");
    }

    @Override
    public String toString() {
        return name + ":" + code;
    }
}
