package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of the CLI, with what it printed. */
record CliRun(int exitCode, String out, String err) {
    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exitCode = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRun(exitCode, out.toString(), err.toString());
    }

    /** Runs the CLI and asserts that it exits 0, showing the command line and stderr otherwise. */
    static CliRun succeeds(String... args) {
        CliRun run = of(args);
        assertThat(run.exitCode()).as("%s: %s", String.join(" ", args), run.err()).isZero();
        return run;
    }

    /**
     * Asserts the CLI's contract for a user error: exit code 2, the first line of stderr is {@code CODE: message}, and
     * no stack trace or Java class name is shown. Returns the message for further checks.
     */
    String assertUserError(String code) {
        assertThat(exitCode).as("exit code; stderr: %s", err).isEqualTo(2);
        String firstLine = err.lines().findFirst().orElse("");
        assertThat(firstLine).as("first line of stderr").startsWith(code + ": ");
        assertThat(err).as("stderr").doesNotContain("\tat ").doesNotContainPattern("\\bjava\\.[a-z]+\\.[A-Z]");
        return firstLine.substring(code.length() + 2);
    }
}
