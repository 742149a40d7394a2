package io.github.peft4j.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.inject.Inject;
import io.github.peft4j.core.adapter.Settings;
import io.github.peft4j.core.format.AdapterConfigFiles;
import io.github.peft4j.core.format.PrefixFiles;
import io.github.peft4j.core.generation.MixedAdapters;
import io.github.peft4j.core.inject.PluginRegistry;
import io.github.peft4j.core.io.OutputTarget;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AdapterProvider;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * The options that steer a model with trained adapters or raw prefixes, shared by forward, generate and predict. Each
 * option may be given as {@code NAME=PATH} (repeatable) for the commands that choose an adapter per row; the one
 * given without a name is the default for rows that name none.
 */
final class AdapterOptions {
    /** PEFT's {@code peft_type} values and the method that loads each. */
    private static final Map<String, String> METHOD_BY_PEFT_TYPE = new TreeMap<>(Map.of("PREFIX_TUNING", "prefix", "PROMPT_TUNING", "embedding"));
    /** {@code NAME=PATH}; anything else (e.g. {@code ./a=b}, whose part before '=' is no name) is a path. */
    private static final Pattern NAMED = Pattern.compile("([A-Za-z0-9_-]+)=(.+)");

    private final PluginRegistry registry;

    @Option(names = "--adapter", paramLabel = "[NAME=]DIR",
            description = "An exported adapter directory ('peft4j export', or a Hugging Face PEFT directory). Repeat as NAME=DIR to load several that rows choose by name.")
    List<String> adapters = new ArrayList<>();

    @Option(names = "--prefix", paramLabel = "[NAME=]FILE|DIR",
            description = "A raw prefix: a PEFT prefix-tuning directory, or a safetensors file with prefix.layers.{i}.key|value [1, heads, P, head_dim]. Repeatable as NAME=PATH.")
    List<String> prefixes = new ArrayList<>();

    @Option(names = "--prefix-positions", defaultValue = "peft",
            description = "For a --prefix file without pos_mode metadata: number real tokens from P (peft) or from 0 (zero). Default: ${DEFAULT-VALUE}.")
    PositionMode prefixPositions;

    @Inject
    AdapterOptions(PluginRegistry registry) {
        this.registry = registry;
    }

    /** Every row steered alike, by the one adapter given ({@link AdapterHooks#NONE} without one); named adapters are refused. */
    RowAdapters sameForEveryRow(ModelBackend backend, NDManager manager, int rows) {
        return new RowAdapters(MixedAdapters.of(backend.geometry(), List.of(hooks(backend, manager))), new int[rows]);
    }

    /**
     * Row {@code i} steered by the adapter that {@code names.get(i)} names; a row naming none takes the one given without
     * a name, or none. Every name is checked before any adapter is loaded (once, for inference).
     *
     * @param where tells the user which row a message is about, e.g. a file and line
     */
    RowAdapters perRow(ModelBackend backend, NDManager manager, List<Optional<String>> names, IntFunction<String> where) {
        List<Source> sources = sources();
        List<String> given = sources.stream().flatMap(source -> source.name().stream()).toList();
        int[] choiceOfRow = new int[names.size()];
        for (int row = 0; row < choiceOfRow.length; row++) {
            Optional<String> name = names.get(row);
            int named = name.map(given::indexOf).orElse(-1);
            if (name.isPresent() && named < 0) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, where.apply(row) + " names the adapter '" + name.get()
                        + "', which no --adapter or --prefix NAME=PATH gives; the names given are " + given);
            }
            // Choice 0 is the default; the named adapters follow in the order given.
            choiceOfRow[row] = named + 1;
        }
        List<AdapterHooks> hooks = new ArrayList<>();
        hooks.add(sources.stream().filter(source -> source.name().isEmpty()).findFirst().map(source -> load(source, backend, manager))
                .orElse(AdapterHooks.NONE));
        sources.stream().filter(source -> source.name().isPresent()).forEach(source -> hooks.add(load(source, backend, manager)));
        return new RowAdapters(MixedAdapters.of(backend.geometry(), hooks), choiceOfRow);
    }

    /**
     * The hooks of the one adapter given, for inference passes ({@link AdapterHooks#NONE} without one), for commands
     * that steer every row alike: they refuse named adapters.
     */
    AdapterHooks hooks(ModelBackend backend, NDManager manager) {
        List<Source> sources = sources();
        if (sources.stream().anyMatch(source -> source.name().isPresent())) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Named adapters (NAME=PATH) are chosen per row, with 'generate --requests' or"
                    + " 'predict --row-adapters'; here give one --adapter DIR or --prefix PATH without a name");
        }
        return sources.isEmpty() ? AdapterHooks.NONE : load(sources.get(0), backend, manager);
    }

    /** Marks every --adapter directory and --prefix file as an input that {@code target} never replaces, not even with --force. */
    OutputTarget protectedIn(OutputTarget target) {
        sources().forEach(source -> target.protecting("an adapter it reads (" + (source.rawPrefix() ? "--prefix" : "--adapter") + ")", source.path()));
        return target;
    }

    /** Every --adapter and --prefix, checked: at most one without a name, and names unique. */
    private List<Source> sources() {
        List<Source> sources = new ArrayList<>();
        adapters.forEach(value -> sources.add(Source.parse(value, false)));
        prefixes.forEach(value -> sources.add(Source.parse(value, true)));
        if (sources.stream().filter(source -> source.name().isEmpty()).count() > 1) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Give at most one --adapter or --prefix without a name (the default for rows"
                    + " that name none); name the others NAME=PATH");
        }
        Set<String> names = new HashSet<>();
        for (Source source : sources) {
            if (source.name().isPresent() && !names.add(source.name().get())) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "The adapter name '" + source.name().get() + "' is given twice; give each"
                        + " --adapter/--prefix NAME=PATH a name of its own");
            }
        }
        return sources;
    }

    private AdapterHooks load(Source source, ModelBackend backend, NDManager manager) {
        if (source.rawPrefix()) {
            if (!Files.exists(source.path())) {
                throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "--prefix " + source.path() + " does not exist; give a PEFT prefix-tuning"
                        + " directory or a safetensors file of prefix.layers.{i}.key|value");
            }
            return PrefixFiles.read(source.path(), manager, backend.geometry(), prefixPositions == PositionMode.PEFT).hooks();
        }
        return adapterOf(source.path()).load(source.path(), new AdapterContext(backend, manager, 0)).hooks(new ForwardContext(manager, 1, false));
    }

    /** The adapter plugin that loads {@code directory}, named by its config ({@link #methodOf}). */
    private AdapterProvider<?> adapterOf(Path directory) {
        String method = methodOf(directory);
        try {
            return registry.adapter(method);
        }
        catch (PeftException e) {
            if (e.getErrorCode().equals(StandardErrorCode.UNKNOWN_PLUGIN.toErrorCode())) {
                throw new PeftException(StandardErrorCode.UNKNOWN_PLUGIN, directory.resolve(PrefixFiles.PEFT_CONFIG) + " was written by the adapter"
                        + " method '" + method + "', which no plugin on the class path provides. " + e.getMessage(), e);
            }
            throw e;
        }
    }

    /** One --adapter or --prefix value: an optional name and the path. */
    private record Source(Optional<String> name, Path path, boolean rawPrefix) {
        static Source parse(String value, boolean rawPrefix) {
            String option = rawPrefix ? "--prefix" : "--adapter";
            Matcher named = NAMED.matcher(value);
            return named.matches() ? new Source(Optional.of(named.group(1)), Settings.parsePath(option, named.group(2)), rawPrefix)
                    : new Source(Optional.empty(), Settings.parsePath(option, value), rawPrefix);
        }
    }

    /** Adapters to decode with, and the index of the one each row uses. */
    record RowAdapters(MixedAdapters mix, int[] choiceOfRow) {
    }

    /** The method that wrote an adapter directory: {@code peft4j_method} of its config, else its PEFT type. */
    static String methodOf(Path directory) {
        Path config = directory.resolve(PrefixFiles.PEFT_CONFIG);
        if (!Files.isRegularFile(config)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, directory + " has no " + PrefixFiles.PEFT_CONFIG + "; --adapter takes a directory"
                    + " written by 'peft4j export' or Hugging Face PEFT");
        }
        JsonNode json = AdapterConfigFiles.read(config);
        if (json.hasNonNull("peft4j_method")) {
            JsonNode method = json.get("peft4j_method");
            if (!method.isTextual() || method.asText().isBlank()) {
                throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, config + " has \"peft4j_method\": " + method
                        + "; expected the name of the adapter method that wrote it, e.g. \"prefix\"");
            }
            return method.asText();
        }
        JsonNode type = json.get("peft_type");
        String method = type != null && type.isTextual() ? METHOD_BY_PEFT_TYPE.get(type.asText()) : null;
        if (method == null) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, config + " has \"peft_type\": " + type + "; peft4j loads "
                    + String.join(" and ", METHOD_BY_PEFT_TYPE.keySet()) + " directories (and its own exports, which name their peft4j_method)");
        }
        return method;
    }
}
