package io.github.peft4j.cli;

import com.google.inject.Injector;
import io.github.peft4j.core.inject.PeftInjector;
import io.github.peft4j.spi.PeftException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Entry point of the {@code peft4j} command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(execute(args, out, err));
    }

    /**
     * Runs one command line and returns its exit code: 0 success, 2 user error, 1 internal error. Only errors go to
     * {@code err}, so that its first line is always {@code ERROR_NAME: message}: what commands report while they run
     * (progress, banners) goes to {@code out}, except for {@code bench}, whose {@code out} is its JSON report.
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        ErrorReporter reporter = new ErrorReporter(err, ErrorReporter.debugRequested());
        Injector injector;
        try {
            injector = PeftInjector.create(new CliModule());
        }
        catch (PeftException e) {
            return reporter.report(e);
        }
        catch (RuntimeException e) {
            // Guice wraps a plugin's failure at start-up; show the plugin's own error when there is one.
            return reporter.report(PeftException.class.isInstance(e.getCause()) ? e.getCause() : e);
        }
        CommandLine commandLine = new CommandLine(PeftCommand.class, new GuiceFactory(injector))
                .setOut(out)
                .setErr(out)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler((exception, arguments) -> reporter.reportParameterError(exception))
                .setExecutionExceptionHandler((exception, cmd, parseResult) -> reporter.report(exception));
        commandLine.getSubcommands().get("bench").setErr(err);
        try {
            return commandLine.execute(args);
        }
        catch (Error e) {
            // picocli hands only exceptions to the handler; running out of heap (or another JVM error) is reported here.
            return reporter.report(e);
        }
    }
}
