package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.core.inject.PeftInjector;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Every command keeps the error contract for the command lines picocli cannot parse. */
final class TestErrorContract {
    private static final List<CommandSpec> COMMANDS = commands();

    @TestFactory
    Stream<DynamicTest> anUnknownOptionIsAnInvalidArgumentWithAHint() {
        return COMMANDS.stream().map(command -> DynamicTest.dynamicTest(command.qualifiedName(), () -> {
            List<String> words = requiredArguments(command);
            words.add("--no-such-option");
            CliRun run = CliRun.of(arguments(command, words.toArray(String[]::new)));

            assertThat(run.assertUserError("INVALID_ARGUMENT")).contains("--no-such-option");
            assertThat(run.err()).contains("Run '" + command.qualifiedName() + " --help' for the options.").doesNotContain("Usage:");
        }));
    }

    @TestFactory
    Stream<DynamicTest> aMissingRequiredOptionIsAnInvalidArgument() {
        return COMMANDS.stream().filter(TestErrorContract::hasRequiredOptions).map(command -> DynamicTest.dynamicTest(command.qualifiedName(), () -> {
            CliRun run = CliRun.of(arguments(command));

            assertThat(run.assertUserError("INVALID_ARGUMENT")).startsWith("Missing required");
            assertThat(run.err()).contains("Run '" + command.qualifiedName() + " --help'").doesNotContain("Usage:");
        }));
    }

    @TestFactory
    Stream<DynamicTest> aBadNumberIsAnInvalidArgumentNamingTheOption() {
        return COMMANDS.stream().flatMap(command -> command.options().stream()
                .filter(option -> option.type() == int.class || option.type() == Integer.class || option.type() == long.class)
                .limit(1)
                .map(option -> DynamicTest.dynamicTest(command.qualifiedName() + " " + option.longestName(), () -> {
                    CliRun run = CliRun.of(arguments(command, option.longestName() + "=lots"));

                    assertThat(run.assertUserError("INVALID_ARGUMENT")).contains(option.longestName(), "'lots'");
                })));
    }

    @TestFactory
    Stream<DynamicTest> aMissingParameterIsAnInvalidArgument() {
        return COMMANDS.stream().flatMap(command -> command.options().stream()
                .filter(option -> option.arity().min() > 0)
                .limit(1)
                .map(option -> DynamicTest.dynamicTest(command.qualifiedName() + " " + option.longestName(), () -> {
                    CliRun run = CliRun.of(arguments(command, option.longestName()));

                    assertThat(run.assertUserError("INVALID_ARGUMENT")).contains(option.longestName());
                })));
    }

    @TestFactory
    Stream<DynamicTest> aBadEnumValueIsAnInvalidArgument() {
        return COMMANDS.stream().flatMap(command -> command.options().stream()
                .filter(option -> option.type().isEnum())
                .limit(1)
                .map(option -> DynamicTest.dynamicTest(command.qualifiedName() + " " + option.longestName(), () -> {
                    CliRun run = CliRun.of(arguments(command, option.longestName() + "=no-such-value"));

                    assertThat(run.assertUserError("INVALID_ARGUMENT")).contains(option.longestName(), "no-such-value");
                })));
    }

    private static boolean hasRequiredOptions(CommandSpec command) {
        return command.options().stream().anyMatch(OptionSpec::required) || command.positionalParameters().stream().anyMatch(p -> p.required())
                || command.argGroups().stream().anyMatch(group -> group.multiplicity().min() > 0);
    }

    /** A value for every required option, positional parameter and group of the command, so that only the test's word is wrong. */
    private static List<String> requiredArguments(CommandSpec command) {
        List<String> words = new ArrayList<>();
        command.options().stream().filter(OptionSpec::required).forEach(option -> words.add(option.longestName() + "=" + sample(option.type())));
        command.argGroups().stream().filter(group -> group.multiplicity().min() > 0)
                .forEach(group -> group.options().stream().findFirst().ifPresent(option -> words.add(option.longestName() + "=" + sample(option.type()))));
        command.positionalParameters().stream().filter(p -> p.required()).forEach(parameter -> words.add(sample(parameter.type())));
        return words;
    }

    private static String sample(Class<?> type) {
        return type.isEnum() ? type.getEnumConstants()[0].toString() : "1";
    }

    /** The words that run {@code command}, then {@code extra}. */
    private static String[] arguments(CommandSpec command, String... extra) {
        List<String> words = new ArrayList<>();
        for (CommandSpec spec = command; spec.parent() != null; spec = spec.parent()) {
            words.add(0, spec.name());
        }
        words.addAll(List.of(extra));
        return words.toArray(String[]::new);
    }

    /** Every command and subcommand, the root included. */
    private static List<CommandSpec> commands() {
        CommandLine root = new CommandLine(PeftCommand.class, new GuiceFactory(PeftInjector.create(new CliModule())));
        List<CommandSpec> all = new ArrayList<>();
        collect(root, all);
        assertThat(all).hasSizeGreaterThan(10);
        return all;
    }

    private static void collect(CommandLine command, List<CommandSpec> into) {
        into.add(command.getCommandSpec());
        command.getSubcommands().values().forEach(sub -> collect(sub, into));
    }
}
