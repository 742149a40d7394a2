package io.github.peft4j.cli;

import ai.djl.engine.EngineException;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.PrintWriter;
import java.util.Locale;
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
        if (throwable instanceof OutOfMemoryError) {
            return print(StandardErrorCode.OUT_OF_MEMORY.name(), "Java ran out of heap memory (" + throwable.getMessage() + "): " + WHAT_TO_LOWER
                    + "; or give Java a larger heap, e.g. JAVA_OPTS=-Xmx8g", throwable, true);
        }
        Optional<EngineException> allocation = nativeAllocationFailure(throwable);
        if (allocation.isPresent()) {
            return print(StandardErrorCode.OUT_OF_MEMORY.name(), "PyTorch could not allocate memory (" + reason(allocation.get().getMessage()) + "): "
                    + WHAT_TO_LOWER, throwable, true);
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

    /**
     * PyTorch's allocator refusing a request, if that is what {@code throwable} is or was caused by: DJL reports it as
     * an engine exception carrying c10's message ("DefaultCPUAllocator: not enough memory: you tried to allocate ...",
     * "CUDA out of memory").
     */
    static Optional<EngineException> nativeAllocationFailure(Throwable throwable) {
        for (Throwable cause = throwable; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof EngineException engine && engine.getMessage() != null) {
                String message = engine.getMessage().toLowerCase(Locale.ROOT);
                if (message.contains("not enough memory") || message.contains("out of memory") || message.contains("could not allocate")
                        || message.contains("failed to allocate")) {
                    return Optional.of(engine);
                }
            }
        }
        return Optional.empty();
    }

    /** The first line of c10's message without its source location ("[enforce fail at alloc_cpu.cpp:118] data. "). */
    private static String reason(String message) {
        String line = message.lines().findFirst().orElse("").replaceFirst("^\\[enforce fail at [^\\]]*\\]\\s*(data\\.\\s*)?", "").strip();
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
