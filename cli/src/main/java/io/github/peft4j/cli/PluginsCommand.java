package io.github.peft4j.cli;

import com.google.inject.Inject;
import io.github.peft4j.core.inject.PluginInfo;
import io.github.peft4j.core.inject.PluginRegistry;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code peft4j plugins}: every backend and adapter on the class path, and where it came from. */
@Command(
        name = "plugins",
        mixinStandardHelpOptions = true,
        description = "List the model backends and adapter methods found on the class path, with the jar each comes from.")
final class PluginsCommand implements Callable<Integer> {
    private final PluginRegistry registry;

    @Spec
    CommandSpec spec;

    @Inject
    PluginsCommand(PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<PluginInfo> plugins = registry.describeAll();
        if (plugins.isEmpty()) {
            out.println("No plugins on the class path. Add a peft4j backend or adapter module (e.g. peft4j-model-gpt2).");
            return 0;
        }
        int nameWidth = Math.max("NAME".length(), plugins.stream().mapToInt(p -> p.name().length()).max().orElse(0));
        String row = "%-7s  %-" + nameWidth + "s  %s%n";
        out.printf(Locale.ROOT, row, "KIND", "NAME", "DESCRIPTION");
        for (PluginInfo plugin : plugins) {
            out.printf(Locale.ROOT, row, plugin.kind().label(), plugin.name(), plugin.description());
            out.printf(Locale.ROOT, row, "", "", "  class: " + plugin.implementation());
            out.printf(Locale.ROOT, row, "", "", "  from:  " + plugin.location());
        }
        return 0;
    }
}
