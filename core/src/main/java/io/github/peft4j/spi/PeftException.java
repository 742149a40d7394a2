package io.github.peft4j.spi;

import static java.util.Objects.requireNonNull;

/**
 * The one exception peft4j and its plugins throw for anything a caller may act on. The message says what was
 * wrong and what to do about it; {@link #getErrorCode()} says whose fault it is.
 */
public class PeftException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient ErrorCode errorCode;

    public PeftException(ErrorCodeSupplier errorCode, String message) {
        this(errorCode, message, null);
    }

    public PeftException(ErrorCodeSupplier errorCode, String message, Throwable cause) {
        super(requireNonNull(message, "message"), cause);
        this.errorCode = requireNonNull(errorCode, "errorCode").toErrorCode();
    }

    public ErrorCode getErrorCode() {
        return errorCode;
    }

    public boolean isUserError() {
        return errorCode.type() == ErrorType.USER_ERROR;
    }
}
