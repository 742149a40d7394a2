package io.github.peft4j.cli;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@code peft4j} command line in a fresh JVM with this one's options and class path: benchmarks use it so
 * that the memory one piece of work leaves behind does not count against the next.
 */
final class ChildJvm {
    private ChildJvm() {}

    /** The child's standard output; its standard error goes to this process's. */
    static String run(String what, String... arguments) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(arguments));
        try {
            Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            byte[] output = child.getInputStream().readAllBytes();
            if (!child.waitFor(30, TimeUnit.MINUTES) || child.exitValue() != 0) {
                throw new PeftException(StandardErrorCode.INTERNAL_ERROR, what + " failed in a child JVM (see its output above)");
            }
            return new String(output, StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.INTERNAL_ERROR, what + ": could not start a child JVM: " + e.getMessage(), e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PeftException(StandardErrorCode.INTERNAL_ERROR, what + " was interrupted", e);
        }
    }
}
