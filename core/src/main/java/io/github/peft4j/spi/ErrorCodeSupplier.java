package io.github.peft4j.spi;

/**
 * Implemented by each module's error enum. Code ranges: 0-999 {@link StandardErrorCode}; each plugin module
 * picks its own block of 1000 and documents it in its enum.
 */
public interface ErrorCodeSupplier {
    ErrorCode toErrorCode();
}
