package io.github.peft4j.spi;

/** Errors any module may raise. Plugin-specific failures get their own {@link ErrorCodeSupplier} enum. */
public enum StandardErrorCode implements ErrorCodeSupplier {
    /** An option or argument has a value that is out of range or inconsistent with another. */
    INVALID_ARGUMENT(1, ErrorType.USER_ERROR),
    /** A backend or adapter name that no plugin on the classpath provides. */
    UNKNOWN_PLUGIN(2, ErrorType.USER_ERROR),
    /** Two plugins on the classpath claim the same name. */
    DUPLICATE_PLUGIN(3, ErrorType.USER_ERROR),
    /** An adapter needs an injection point that the chosen backend does not offer. */
    UNSUPPORTED_INJECTION_POINT(4, ErrorType.USER_ERROR),
    /** A file the user named does not exist or cannot be read. */
    FILE_NOT_FOUND(5, ErrorType.USER_ERROR),
    /** A model or adapter configuration file (e.g. {@code config.json}) is unreadable or inconsistent. */
    MALFORMED_CONFIG(6, ErrorType.USER_ERROR),
    /** A checkpoint file is truncated, corrupt or not in the expected format. */
    MALFORMED_CHECKPOINT(7, ErrorType.USER_ERROR),
    /** A checkpoint lacks a tensor the model needs. */
    MISSING_TENSOR(8, ErrorType.USER_ERROR),
    /** A tensor or input has a shape that does not fit the model. */
    SHAPE_MISMATCH(9, ErrorType.USER_ERROR),
    /** A dataset file has a row that cannot be parsed. */
    MALFORMED_DATASET(10, ErrorType.USER_ERROR),
    /**
     * Writing an output failed (its parent is a file, the file system is read-only or full, permissions); what was
     * there before is intact. A user error: the fix is in the user's file system, and the message names the path.
     */
    WRITE_FAILED(11, ErrorType.USER_ERROR),
    /** An output path already holds something peft4j did not write there; choose another path or pass {@code --force}. */
    OUTPUT_EXISTS(12, ErrorType.USER_ERROR),
    /** The work asked for (sizes, beams, lengths) does not fit in memory or in the sizes the engine can index. */
    OUT_OF_MEMORY(13, ErrorType.USER_ERROR),
    /** A defect in peft4j: please report it with the stack trace ({@code PEFT4J_DEBUG=1}). */
    INTERNAL_ERROR(999, ErrorType.INTERNAL_ERROR);

    private final ErrorCode errorCode;

    StandardErrorCode(int code, ErrorType type) {
        this.errorCode = new ErrorCode(code, name(), type);
    }

    @Override
    public ErrorCode toErrorCode() {
        return errorCode;
    }
}
