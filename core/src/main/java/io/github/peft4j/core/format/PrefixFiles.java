package io.github.peft4j.core.format;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.core.adapter.AdapterSizes;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** Reads and writes fixed decoder-self-attention prefixes in the two interchange layouts. */
public final class PrefixFiles {
    public static final String PEFT_CONFIG = "adapter_config.json";
    public static final String PEFT_WEIGHTS = "adapter_model.safetensors";
    public static final String PROMPT_EMBEDDINGS = "prompt_embeddings";
    /** The metadata key of a per-layer file that says how real tokens are numbered: {@code peft} (from P) or {@code zero}. */
    public static final String POSITIONS_METADATA = "pos_mode";

    private static final ObjectMapper JSON = new ObjectMapper();

    private PrefixFiles() {}

    /**
     * Reads a PEFT prefix-tuning directory or a per-layer safetensors file, whichever {@code path} is.
     *
     * @param peftPositions for a per-layer file without a {@code pos_mode} in its metadata: number real tokens from
     *     P (Hugging Face PEFT, Li &amp; Liang's GPT-2) or from 0
     */
    public static LayerPrefixes read(Path path, NDManager manager, ModelGeometry geometry, boolean peftPositions) {
        if (Files.isDirectory(path)) {
            return readPeftDirectory(path, manager, geometry);
        }
        return readLayerFile(path, manager, geometry, peftPositions);
    }

    /** A per-layer file: {@code prefix.layers.{i}.key|value}, each {@code [1, heads, P, headDim]}. */
    public static LayerPrefixes readLayerFile(Path file, NDManager manager, ModelGeometry geometry, boolean peftPositions) {
        try (SafetensorsFile prefixFile = SafetensorsFile.open(file); NDManager loading = manager.newSubManager()) {
            String layout = "[1, " + geometry.heads() + ", P, " + geometry.headDim() + "]";
            String first = layerTensor(0, "key");
            requireLayer(prefixFile, 0, geometry);
            AdapterTensors.requireOnly(prefixFile, IntStream.range(0, geometry.decoderLayers()).boxed()
                    .flatMap(layer -> Stream.of(layerTensor(layer, "key"), layerTensor(layer, "value"))).collect(Collectors.toSet()),
                    "a prefix file for this " + geometry.decoderLayers() + "-layer model");
            int prefixLength = AdapterTensors.count(prefixFile, first, AdapterTensors.dims(prefixFile, first, layout, 4), 2, "virtual tokens P");
            String positions = prefixFile.metadata().getOrDefault(POSITIONS_METADATA, peftPositions ? "peft" : "zero");
            if (!positions.equals("peft") && !positions.equals("zero")) {
                throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, "Prefix file " + file + " has metadata " + POSITIONS_METADATA + " '"
                        + positions + "'; expected peft (real tokens numbered from P) or zero (from 0)");
            }
            if (positions.equals("peft")) {
                AdapterSizes.checkPositions(new AdapterSizes.Source(prefixLength, "Prefix file " + file + " holds " + prefixLength
                        + " virtual tokens ('" + first + "' " + prefixFile.info(first).shape() + ") with real tokens numbered after them ("
                        + POSITIONS_METADATA + " peft)", "use a shorter prefix"), geometry);
            }
            Shape shape = new Shape(1, geometry.heads(), prefixLength, geometry.headDim());
            List<KeyValuePrefix> layers = new ArrayList<>();
            for (int layer = 0; layer < geometry.decoderLayers(); layer++) {
                requireLayer(prefixFile, layer, geometry);
                layers.add(new KeyValuePrefix(AdapterTensors.loadFloat32(prefixFile, layerTensor(layer, "key"), shape, loading),
                        AdapterTensors.loadFloat32(prefixFile, layerTensor(layer, "value"), shape, loading)));
            }
            // Loaded into a sub-manager, so that a failure at a later layer frees the earlier ones; kept on success.
            layers.forEach(layer -> {
                layer.keys().attach(manager);
                layer.values().attach(manager);
            });
            return new LayerPrefixes(AttentionSite.DECODER_SELF, layers, positions.equals("peft") ? prefixLength : 0);
        }
    }

    private static String layerTensor(int layer, String part) {
        return "prefix.layers." + layer + "." + part;
    }

    private static void requireLayer(SafetensorsFile prefixFile, int layer, ModelGeometry geometry) {
        String key = layerTensor(layer, "key");
        String value = layerTensor(layer, "value");
        if (!prefixFile.contains(key) || !prefixFile.contains(value)) {
            throw new PeftException(StandardErrorCode.MISSING_TENSOR, "Prefix file " + prefixFile.path() + " lacks '" + key + "' or '" + value
                    + "'; a prefix for this model needs both for each of its " + geometry.decoderLayers() + " layers");
        }
    }

    /** A Hugging Face PEFT {@code PREFIX_TUNING} directory for a causal LM; real tokens are numbered from P. */
    public static LayerPrefixes readPeftDirectory(Path directory, NDManager manager, ModelGeometry geometry) {
        Path configFile = directory.resolve(PEFT_CONFIG);
        Path weightsFile = directory.resolve(PEFT_WEIGHTS);
        if (!Files.isRegularFile(configFile)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, directory + " has no " + PEFT_CONFIG + "; a PEFT adapter directory needs one");
        }
        if (!Files.isRegularFile(weightsFile)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, directory + " has no " + PEFT_WEIGHTS
                    + " (an adapter_model.bin must first be re-saved with safe_serialization=True)");
        }
        JsonNode config = AdapterConfigFiles.read(configFile);
        AdapterConfigFiles.requireText(configFile, config, "peft_type", "PREFIX_TUNING");
        AdapterConfigFiles.requireText(configFile, config, "task_type", "CAUSAL_LM");
        AdapterConfigFiles.requireModelNumber(configFile, config, "num_layers", geometry.decoderLayers());
        AdapterConfigFiles.requireModelNumber(configFile, config, "token_dim", geometry.hiddenSize());
        AdapterConfigFiles.requireModelNumber(configFile, config, "num_attention_heads", geometry.heads());
        int virtualTokens = AdapterConfigFiles.positiveInt(configFile, config, "num_virtual_tokens");
        AdapterSizes.checkPositions(new AdapterSizes.Source(virtualTokens, configFile + " says num_virtual_tokens = " + virtualTokens,
                "use an adapter trained for this model"), geometry);
        try (SafetensorsFile weights = SafetensorsFile.open(weightsFile)) {
            if (!weights.contains(PROMPT_EMBEDDINGS)) {
                throw new PeftException(StandardErrorCode.MISSING_TENSOR, weightsFile + " has no '" + PROMPT_EMBEDDINGS + "' tensor");
            }
            AdapterTensors.requireOnly(weights, Set.of(PROMPT_EMBEDDINGS), "a PEFT prefix-tuning adapter");
            NDArray rows = AdapterTensors.loadFloat32(weights, PROMPT_EMBEDDINGS, new Shape(virtualTokens, LayerPrefixes.rowWidth(geometry, Stack.DECODER)),
                    manager);
            return LayerPrefixes.fromRows(rows, geometry, AttentionSite.DECODER_SELF, virtualTokens);
        }
    }

    /**
     * Writes {@code prefix} as a PEFT prefix-tuning directory that {@code PeftModel.from_pretrained} loads (the MLP,
     * if any, already applied). Each file is replaced atomically; the config is written last, so an interrupted
     * export is never mistaken for a complete one.
     */
    public static void writePeftDirectory(Path directory, LayerPrefixes prefix, ModelGeometry geometry, String baseModel) {
        if (prefix.site() != AttentionSite.DECODER_SELF || geometry.isEncoderDecoder()) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "PEFT's causal-LM prefix format holds a decoder self-attention prefix of a decoder-only model");
        }
        try (NDArray rows = prefix.toRows()) {
            SafetensorsWriter.write(directory.resolve(PEFT_WEIGHTS), Map.of(PROMPT_EMBEDDINGS, rows), Map.of("format", "pt"));
        }
        ObjectNode config = JSON.createObjectNode();
        config.put("peft_type", "PREFIX_TUNING");
        config.put("task_type", "CAUSAL_LM");
        config.put("num_virtual_tokens", prefix.length());
        config.put("token_dim", geometry.hiddenSize());
        config.put("num_layers", geometry.decoderLayers());
        config.put("num_attention_heads", geometry.heads());
        config.put("num_transformer_submodules", 1);
        config.put("prefix_projection", false);
        config.put("encoder_hidden_size", geometry.hiddenSize());
        config.put("base_model_name_or_path", baseModel);
        config.put("inference_mode", true);
        config.putNull("revision");
        AtomicFiles.writeString(directory.resolve(PEFT_CONFIG), config.toPrettyString());
    }
}
