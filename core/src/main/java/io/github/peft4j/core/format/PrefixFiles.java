package io.github.peft4j.core.format;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads and writes fixed decoder-self-attention prefixes in the two interchange layouts. */
public final class PrefixFiles {
    public static final String PEFT_CONFIG = "adapter_config.json";
    public static final String PEFT_WEIGHTS = "adapter_model.safetensors";
    public static final String PROMPT_EMBEDDINGS = "prompt_embeddings";

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
        try (SafetensorsFile prefixFile = SafetensorsFile.open(file)) {
            List<KeyValuePrefix> layers = new ArrayList<>();
            for (int layer = 0; layer < geometry.decoderLayers(); layer++) {
                String key = "prefix.layers." + layer + ".key";
                String value = "prefix.layers." + layer + ".value";
                if (!prefixFile.contains(key) || !prefixFile.contains(value)) {
                    throw new PeftException(StandardErrorCode.MISSING_TENSOR, "Prefix file " + file + " lacks '" + key + "' or '" + value
                            + "'; a prefix for this model needs both for each of its " + geometry.decoderLayers() + " layers");
                }
                KeyValuePrefix prefix = new KeyValuePrefix(prefixFile.load(key, manager), prefixFile.load(value, manager));
                long[] shape = prefix.keys().getShape().getShape();
                if (shape[0] != 1 || shape[1] != geometry.heads() || shape[3] != geometry.headDim()) {
                    throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Tensor '" + key + "' of " + file + " is " + prefix.keys().getShape()
                            + "; this model needs [1, " + geometry.heads() + ", P, " + geometry.headDim() + "]");
                }
                layers.add(prefix);
            }
            String positions = prefixFile.metadata().getOrDefault("pos_mode", peftPositions ? "peft" : "zero");
            int prefixLength = layers.get(0).length();
            return new LayerPrefixes(AttentionSite.DECODER_SELF, layers, positions.equals("peft") ? prefixLength : 0);
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
        JsonNode config;
        try {
            config = JSON.readTree(configFile.toFile());
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, configFile + " is not valid JSON: " + e.getMessage(), e);
        }
        requireValue(configFile, config, "peft_type", "PREFIX_TUNING");
        requireValue(configFile, config, "task_type", "CAUSAL_LM");
        requireNumber(configFile, config, "num_layers", geometry.decoderLayers());
        requireNumber(configFile, config, "token_dim", geometry.hiddenSize());
        requireNumber(configFile, config, "num_attention_heads", geometry.heads());
        try (SafetensorsFile weights = SafetensorsFile.open(weightsFile)) {
            if (!weights.contains(PROMPT_EMBEDDINGS)) {
                throw new PeftException(StandardErrorCode.MISSING_TENSOR, weightsFile + " has no '" + PROMPT_EMBEDDINGS + "' tensor");
            }
            NDArray rows = weights.load(PROMPT_EMBEDDINGS, manager);
            long virtualTokens = config.path("num_virtual_tokens").asLong(-1);
            if (rows.getShape().dimension() != 2 || rows.getShape().get(0) != virtualTokens) {
                throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "'" + PROMPT_EMBEDDINGS + "' of " + weightsFile + " is " + rows.getShape()
                        + " but " + configFile + " says num_virtual_tokens = " + virtualTokens);
            }
            return LayerPrefixes.fromRows(rows, geometry, AttentionSite.DECODER_SELF, (int) virtualTokens);
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

    private static void requireValue(Path file, JsonNode config, String key, String expected) {
        String actual = config.path(key).asText(null);
        if (!expected.equals(actual)) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, file + " has \"" + key + "\": " + config.get(key) + "; expected \"" + expected + "\"");
        }
    }

    private static void requireNumber(Path file, JsonNode config, String key, int expected) {
        JsonNode actual = config.get(key);
        if (actual == null || !actual.canConvertToInt() || actual.asInt() != expected) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, file + " has \"" + key + "\": " + actual + " but the model has " + expected
                    + "; this adapter was trained for a different base model");
        }
    }
}
