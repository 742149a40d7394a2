package io.github.peft4j.cli;

import com.google.inject.Inject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code peft4j bench}: benchmarks that print JSON, each against a baseline measured in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = {BenchLoadCommand.class, BenchTrainCommand.class, BenchGenerateCommand.class},
        description = "Benchmarks printing JSON figures, each with a baseline measured in the same run on the same machine.")
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Inject
    BenchCommand() {}

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
