package io.github.peft4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.cli.Main;
import io.github.peft4j.cli.PeftCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

/** The docs must describe the commands that exist, every command's help must render, and links must lead somewhere. */
final class TestDocumentation {
    private static final Path DOCS = Path.of("").toAbsolutePath();
    private static final Path REPOSITORY = DOCS.getParent();
    private static final Pattern MARKDOWN_LINK = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)]*)?\\)");

    @Test
    void cliReferenceHasASectionForEveryCommandAndNoOther() throws IOException {
        Set<String> documented = new TreeSet<>();
        Matcher heading = Pattern.compile("(?m)^## (peft4j(?: [a-z-]+)*)\\s*$").matcher(Files.readString(DOCS.resolve("cli.md")));
        while (heading.find()) {
            documented.add(heading.group(1));
        }

        assertThat(documented).isEqualTo(commandPaths(PeftCommand.class, ""));
    }

    @Test
    void everyCommandsHelpFormatsWithoutPicocliWarnings() {
        // picocli reports a description it cannot format (a lone '%') on System.err, not on the command's writers.
        PrintStream original = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
        try {
            for (String path : commandPaths(PeftCommand.class, "")) {
                List<String> arguments = new ArrayList<>(List.of(path.split(" ")).subList(1, path.split(" ").length));
                arguments.add("--help");
                StringWriter help = new StringWriter();
                assertThat(Main.execute(arguments.toArray(String[]::new), new PrintWriter(help), new PrintWriter(new StringWriter())))
                        .as(path + " --help").isZero();
                assertThat(help.toString()).as(path + " --help").contains("Usage:");
            }
        }
        finally {
            System.setErr(original);
        }
        assertThat(warnings.toString(StandardCharsets.UTF_8)).doesNotContain("WARN");
    }

    @Test
    void relativeLinksInReadmeAndDocsResolve() throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(REPOSITORY.resolve("README.md"));
        try (Stream<Path> files = Files.list(DOCS)) {
            files.filter(file -> file.toString().endsWith(".md")).forEach(pages::add);
        }

        for (Path page : pages) {
            Matcher link = MARKDOWN_LINK.matcher(Files.readString(page));
            while (link.find()) {
                String target = link.group(1);
                if (!target.contains("://") && !target.startsWith("mailto:")) {
                    assertThat(page.getParent().resolve(target).normalize())
                            .as("link '%s' in %s", target, REPOSITORY.relativize(page))
                            .exists();
                }
            }
        }
    }

    @Test
    void everyTestTheRobustnessPageCitesExists() throws IOException {
        Set<String> cited = new TreeSet<>();
        Matcher name = Pattern.compile("`(Test[A-Za-z0-9]+)`").matcher(Files.readString(DOCS.resolve("robustness.md")));
        while (name.find()) {
            cited.add(name.group(1));
        }
        Set<String> present = new TreeSet<>();
        try (Stream<Path> files = Files.walk(REPOSITORY)) {
            files.filter(file -> file.toString().contains("/src/test/java/") && file.getFileName().toString().startsWith("Test"))
                    .forEach(file -> present.add(file.getFileName().toString().replaceFirst("\\.java$", "")));
        }

        assertThat(cited).as("test classes cited by docs/robustness.md").isNotEmpty();
        assertThat(present).as("test classes in the repository").containsAll(cited);
    }

    private static Set<String> commandPaths(Class<?> command, String parent) {
        Command annotation = command.getAnnotation(Command.class);
        String path = parent.isEmpty() ? annotation.name() : parent + " " + annotation.name();
        Set<String> paths = new TreeSet<>(Set.of(path));
        for (Class<?> subcommand : annotation.subcommands()) {
            paths.addAll(commandPaths(subcommand, path));
        }
        return paths;
    }
}
