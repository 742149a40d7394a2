package io.github.peft4j.adapter.infix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.core.adapter.AdapterSizes;
import io.github.peft4j.core.format.AdapterConfigFiles;
import io.github.peft4j.core.format.AdapterTensors;
import io.github.peft4j.core.format.PrefixFiles;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * An exported infix: a directory laid out like a PEFT adapter (Hugging Face PEFT has no infix-tuning, so the
 * config names peft4j's method instead of a {@code peft_type}). {@code adapter_config.json} holds
 * {@code peft4j_method: "infix"}, {@code num_virtual_tokens} (I), {@code token_dim}, {@code num_layers},
 * {@code num_attention_heads}, {@code boundary} and {@code base_model_name_or_path}; {@code adapter_model.safetensors}
 * holds {@code infix_embeddings [I, L*2*d]}, the keys and values of every layer in the layout of PEFT's prefix
 * {@code prompt_embeddings} ({@link io.github.peft4j.core.format.LayerPrefixes#toRows}).
 */
final class InfixFiles {
    static final String TENSOR = "infix_embeddings";
    static final String METHOD_KEY = "peft4j_method";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What an exported directory holds. */
    record Exported(NDArray rows, InfixConfig.Boundary boundary) {}

    private InfixFiles() {}

    /** Writes the rows (weights first, config last, each atomically). */
    static void write(Path directory, NDArray rows, InfixConfig.Boundary boundary, ModelGeometry geometry, String baseModel) {
        SafetensorsWriter.write(directory.resolve(PrefixFiles.PEFT_WEIGHTS), Map.of(TENSOR, rows), Map.of("format", "pt"));
        ObjectNode config = JSON.createObjectNode();
        config.put(METHOD_KEY, InfixAdapterProvider.NAME);
        config.put("num_virtual_tokens", rows.getShape().get(0));
        config.put("token_dim", geometry.hiddenSize());
        config.put("num_layers", geometry.decoderLayers());
        config.put("num_attention_heads", geometry.heads());
        config.put(InfixConfig.BOUNDARY, boundary.setting());
        config.put("base_model_name_or_path", baseModel);
        AtomicFiles.writeString(directory.resolve(PrefixFiles.PEFT_CONFIG), config.toPrettyString());
    }

    static Exported read(Path directory, NDManager manager, ModelGeometry geometry) {
        Path configFile = directory.resolve(PrefixFiles.PEFT_CONFIG);
        Path weightsFile = directory.resolve(PrefixFiles.PEFT_WEIGHTS);
        if (!Files.isRegularFile(configFile)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, directory + " has no " + PrefixFiles.PEFT_CONFIG + "; an exported infix needs one");
        }
        if (!Files.isRegularFile(weightsFile)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, directory + " has no " + PrefixFiles.PEFT_WEIGHTS + "; an exported infix needs one");
        }
        JsonNode config = AdapterConfigFiles.read(configFile);
        String method = config.path(METHOD_KEY).asText("");
        if (!method.equals(InfixAdapterProvider.NAME)) {
            String what = method.isEmpty() ? "peft_type " + config.get("peft_type") : "peft4j_method '" + method + "'";
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, configFile + " has " + what + "; an exported infix has \"" + METHOD_KEY
                    + "\": \"" + InfixAdapterProvider.NAME + "\"");
        }
        AdapterConfigFiles.requireModelNumber(configFile, config, "token_dim", geometry.hiddenSize());
        AdapterConfigFiles.requireModelNumber(configFile, config, "num_layers", geometry.decoderLayers());
        AdapterConfigFiles.requireModelNumber(configFile, config, "num_attention_heads", geometry.heads());
        InfixConfig.Boundary boundary = AdapterConfigFiles.enumValue(configFile, config, InfixConfig.BOUNDARY, InfixConfig.Boundary.class,
                InfixConfig.Boundary.SEPARATOR);
        int length = AdapterConfigFiles.positiveInt(configFile, config, "num_virtual_tokens");
        AdapterSizes.checkPositions(new AdapterSizes.Source(length, configFile + " says num_virtual_tokens = " + length, "use an infix trained for this model"),
                geometry);
        try (SafetensorsFile weights = SafetensorsFile.open(weightsFile)) {
            if (!weights.contains(TENSOR)) {
                throw new PeftException(StandardErrorCode.MISSING_TENSOR, weightsFile + " has no '" + TENSOR + "' tensor");
            }
            return new Exported(AdapterTensors.loadFloat32(weights, TENSOR, new Shape(length, InfixAdapter.rowWidth(geometry)), manager), boundary);
        }
    }
}
