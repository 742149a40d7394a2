package io.github.peft4j.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.inject.Inject;
import io.github.peft4j.core.format.PrefixFiles;
import io.github.peft4j.core.inject.PluginRegistry;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** The options that steer a model with a trained adapter or a raw prefix, shared by forward and generate. */
final class AdapterOptions {
    /** PEFT's {@code peft_type} values and the method that loads each. */
    private static final Map<String, String> METHOD_BY_PEFT_TYPE = Map.of("PREFIX_TUNING", "prefix", "PROMPT_TUNING", "embedding");

    private final PluginRegistry registry;

    @ArgGroup(exclusive = true)
    Source source;

    static final class Source {
        @Option(names = "--adapter", description = "An exported adapter directory ('peft4j export', or a Hugging Face PEFT directory).")
        Path adapter;

        @Option(names = "--prefix", description = "A raw prefix: a PEFT prefix-tuning directory, or a safetensors file with prefix.layers.{i}.key|value [1, heads, P, head_dim].")
        Path prefix;
    }

    @Option(names = "--prefix-positions", defaultValue = "peft",
            description = "For a --prefix file without pos_mode metadata: number real tokens from P (peft) or from 0 (zero). Default: ${DEFAULT-VALUE}.")
    PositionMode prefixPositions;

    @Inject
    AdapterOptions(PluginRegistry registry) {
        this.registry = registry;
    }

    /** The hooks for inference passes of {@code batchSize} rows; {@link AdapterHooks#NONE} without an adapter. */
    AdapterHooks hooks(ModelBackend backend, NDManager manager, int batchSize) {
        if (source == null) {
            return AdapterHooks.NONE;
        }
        if (source.prefix != null) {
            return PrefixFiles.read(source.prefix, manager, backend.geometry(), prefixPositions == PositionMode.PEFT).hooks();
        }
        String method = methodOf(source.adapter);
        return registry.adapter(method).load(source.adapter, new AdapterContext(backend, manager, 0))
                .hooks(new ForwardContext(manager, batchSize, false));
    }

    /** The method that wrote an adapter directory: {@code peft4j_method} of its config, else its PEFT type. */
    static String methodOf(Path directory) {
        Path config = directory.resolve(PrefixFiles.PEFT_CONFIG);
        if (!Files.isRegularFile(config)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, directory + " has no " + PrefixFiles.PEFT_CONFIG + "; --adapter takes a directory"
                    + " written by 'peft4j export' or Hugging Face PEFT");
        }
        try {
            JsonNode json = new ObjectMapper().readTree(config.toFile());
            if (json.hasNonNull("peft4j_method")) {
                return json.get("peft4j_method").asText();
            }
            String type = json.path("peft_type").asText("");
            String method = METHOD_BY_PEFT_TYPE.get(type);
            if (method == null) {
                throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, config + " has peft_type '" + type + "'; peft4j loads " + METHOD_BY_PEFT_TYPE.keySet());
            }
            return method;
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, config + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}
