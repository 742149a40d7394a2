package io.github.peft4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.cli.PeftCommand;
import java.io.IOException;
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

/** The docs must describe the commands that exist, and their links must lead somewhere. */
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
