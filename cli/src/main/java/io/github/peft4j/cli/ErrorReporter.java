package io.github.peft4j.cli;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.PrintWriter;
import picocli.CommandLine;

/** Turns an exception into the CLI's contract: one {@code ERROR_NAME: message} line and an exit code. */
final class ErrorReporter {
    static final String DEBUG_ENVIRONMENT_VARIABLE = "PEFT4J_DEBUG";

    private final PrintWriter err;
    private final boolean printStackTraces;

    ErrorReporter(PrintWriter err, boolean printStackTraces) {
        this.err = err;
        this.printStackTraces = printStackTraces;
    }

    static boolean debugRequested() {
        String value = System.getenv(DEBUG_ENVIRONMENT_VARIABLE);
        return value != null && !value.isBlank() && !value.equals("0");
    }

    /** Prints {@code throwable} for a person and returns the exit code it deserves. */
    int report(Throwable throwable) {
        if (throwable instanceof PeftException peft) {
            err.println(peft.getErrorCode().name() + ": " + peft.getMessage());
            if (printStackTraces || !peft.isUserError()) {
                throwable.printStackTrace(err);
            }
            err.flush();
            return peft.isUserError() ? CommandLine.ExitCode.USAGE : CommandLine.ExitCode.SOFTWARE;
        }
        err.println(StandardErrorCode.INTERNAL_ERROR.name() + ": " + throwable
                + " (a defect in peft4j or a plugin; please report it with the stack trace below)");
        throwable.printStackTrace(err);
        err.flush();
        return CommandLine.ExitCode.SOFTWARE;
    }
}
