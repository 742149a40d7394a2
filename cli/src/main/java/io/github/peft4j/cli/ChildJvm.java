package io.github.peft4j.cli;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a {@code peft4j} command line in a fresh JVM with this one's options and class path: benchmarks use it so
 * that the memory one piece of work leaves behind does not count against the next.
 */
final class ChildJvm {
    /** What {@link Main} exits with on a user error, whose first stderr line is then {@code CODE: message}. */
    private static final int USER_ERROR_EXIT = 2;
    private static final Pattern ERROR_LINE = Pattern.compile("([A-Z_]+): (.*)");

    private ChildJvm() {}

    /**
     * The child's standard output. Its standard error is copied to this process's as it comes, except from a line
     * that reads like an error report on: when the child then exits with a user error, that error becomes this
     * process's (so that the user sees what to fix, once, as the first line); otherwise those lines are copied too.
     */
    static String run(String what, String... arguments) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(arguments));
        try {
            Process child = new ProcessBuilder(command).start();
            ErrorPump errors = new ErrorPump(child);
            errors.start();
            byte[] output = child.getInputStream().readAllBytes();
            boolean ended = child.waitFor(30, TimeUnit.MINUTES);
            if (!ended) {
                child.destroyForcibly();
            }
            errors.join();
            if (ended && child.exitValue() == 0) {
                errors.flushHeld();
                return new String(output, StandardCharsets.UTF_8);
            }
            Optional<PeftException> userError = ended && child.exitValue() == USER_ERROR_EXIT ? errors.userError() : Optional.empty();
            if (userError.isPresent()) {
                throw userError.get();
            }
            errors.flushHeld();
            throw new PeftException(StandardErrorCode.INTERNAL_ERROR, what + " failed in a child JVM (see its output above)");
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.INTERNAL_ERROR, what + ": could not start a child JVM: " + e.getMessage(), e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PeftException(StandardErrorCode.INTERNAL_ERROR, what + " was interrupted", e);
        }
    }

    /** Copies the child's standard error to this process's, holding back everything from the first error-like line. */
    private static final class ErrorPump extends Thread {
        private final Process child;
        private final List<String> held = new ArrayList<>();

        ErrorPump(Process child) {
            this.child = child;
            setDaemon(true);
        }

        @Override
        public void run() {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    if (held.isEmpty() && !isErrorCode(line)) {
                        System.err.println(line);
                    }
                    else {
                        held.add(line);
                    }
                }
            }
            catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Call after {@link #join()}. */
        Optional<PeftException> userError() {
            if (held.isEmpty()) {
                return Optional.empty();
            }
            // The first held line is a standard code's report: isErrorCode let nothing else start the holding.
            Matcher line = ERROR_LINE.matcher(held.get(0));
            line.matches();
            PeftException error = new PeftException(StandardErrorCode.valueOf(line.group(1)), line.group(2));
            return error.isUserError() ? Optional.of(error) : Optional.empty();
        }

        void flushHeld() {
            held.forEach(System.err::println);
        }

        private static boolean isErrorCode(String line) {
            Matcher matcher = ERROR_LINE.matcher(line);
            return matcher.matches() && Arrays.stream(StandardErrorCode.values()).anyMatch(code -> code.name().equals(matcher.group(1)));
        }
    }
}
