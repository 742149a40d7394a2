package io.github.peft4j.cli;

import io.github.peft4j.core.memory.AllocationFailure;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine;

/**
 * Turns an exception into the CLI's contract: the first line of stderr is {@code ERROR_NAME: message}, the exit code
 * is 2 for a user error (a bad option, file or dataset row; work that does not fit in memory) and 1 for a defect.
 */
final class ErrorReporter {
    static final String DEBUG_ENVIRONMENT_VARIABLE = "PEFT4J_DEBUG";

    /** What to lower when decoding or training does not fit in memory; the options every such command has. */
    private static final String WHAT_TO_LOWER = "lower --batch-size, --beams, --max-new-tokens or the data's row length, or use a machine with more memory";

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
            return print(peft.getErrorCode().name(), peft.getMessage(), throwable, peft.isUserError());
        }
        if (throwable instanceof CommandLine.ParameterException parameter) {
            return reportParameterError(parameter);
        }
        Optional<AllocationFailure> allocation = AllocationFailure.of(throwable);
        if (allocation.isPresent()) {
            return print(StandardErrorCode.OUT_OF_MEMORY.name(), allocation.get().description() + ": " + WHAT_TO_LOWER
                    + (allocation.get().javaHeap() ? "; or give Java a larger heap, e.g. JAVA_OPTS=-Xmx8g" : ""), throwable, true);
        }
        return print(StandardErrorCode.INTERNAL_ERROR.name(), throwable
                + " (a defect in peft4j or a plugin; please report it with the stack trace below)", throwable, false);
    }

    /**
     * A command line picocli could not parse (an unknown option, a missing required one, a value of the wrong type):
     * picocli's message, then where to look, instead of the whole usage.
     */
    int reportParameterError(CommandLine.ParameterException e) {
        String command = e.getCommandLine().getCommandSpec().qualifiedName();
        err.println(StandardErrorCode.INVALID_ARGUMENT.name() + ": " + e.getMessage());
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()) {
            err.println("Did you mean: " + String.join(", ", unmatched.getSuggestions()) + "?");
        }
        err.println("Run '" + command + " --help' for the options.");
        err.flush();
        return CommandLine.ExitCode.USAGE;
    }

    private int print(String code, String message, Throwable throwable, boolean userError) {
        err.println(code + ": " + message);
        if (printStackTraces || !userError) {
            throwable.printStackTrace(err);
        }
        err.flush();
        return userError ? CommandLine.ExitCode.USAGE : CommandLine.ExitCode.SOFTWARE;
    }
}
