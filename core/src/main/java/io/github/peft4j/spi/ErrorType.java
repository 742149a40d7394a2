package io.github.peft4j.spi;

/** Whose fault an error is: it decides the CLI's exit code (2 for the user's, 1 for ours). */
public enum ErrorType {
    /** Bad input: an option, a file, a checkpoint, a dataset row. The message says what to change. */
    USER_ERROR,
    /** A defect or an environment failure peft4j could not attribute to the input. */
    INTERNAL_ERROR
}
