package io.github.peft4j.cli;

import com.google.inject.Inject;
import io.github.peft4j.cli.demo.DemoCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The root command: with no subcommand it prints the usage. */
@Command(
        name = "peft4j",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Parameter-efficient fine-tuning (prefix-tuning) of pretrained language models on the JVM.",
        subcommands = {DemoCommand.class, PluginsCommand.class, InitModelCommand.class, TokenizeCommand.class, ForwardCommand.class, GenerateCommand.class, TrainCommand.class, ExportCommand.class, PredictCommand.class, EvaluateCommand.class, AblateCommand.class, BenchCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:success",
                "1:internal error (a defect; run with PEFT4J_DEBUG=1 and report the stack trace)",
                "2:user error: a bad option, file, checkpoint or dataset row (the message says what to fix)"},
        footer = {"", "Run 'peft4j COMMAND --help' for a command's options."})
public final class PeftCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Inject
    PeftCommand() {}

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
