package io.github.peft4j.adapter.embedding;

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
 * Hugging Face PEFT prompt-tuning directories ({@code peft_type} {@code PROMPT_TUNING}, PEFT's
 * {@code PromptTuningConfig}): {@code adapter_config.json} and {@code adapter_model.safetensors} with
 * {@code prompt_embeddings [num_virtual_tokens * num_transformer_submodules, token_dim]}. peft4j's embedding-only
 * adapter holds one set of virtual tokens (one submodule): a causal LM's input, or an encoder-decoder model's encoder
 * input.
 */
final class PromptTuningFiles {
    static final String PEFT_TYPE = "PROMPT_TUNING";

    private static final ObjectMapper JSON = new ObjectMapper();

    private PromptTuningFiles() {}

    /** PEFT's task type for the model: {@code CAUSAL_LM} or, for an encoder-decoder model, {@code SEQ_2_SEQ_LM}. */
    static String taskType(ModelGeometry geometry) {
        return geometry.isEncoderDecoder() ? "SEQ_2_SEQ_LM" : "CAUSAL_LM";
    }

    /**
     * Writes {@code embeddings [P, hidden]} as a directory that {@code PeftModel.from_pretrained} loads. The weights
     * are written first and the config last (each atomically), so an interrupted export is never taken for a complete
     * one.
     */
    static void write(Path directory, NDArray embeddings, ModelGeometry geometry, String baseModel) {
        SafetensorsWriter.write(directory.resolve(PrefixFiles.PEFT_WEIGHTS), Map.of(PrefixFiles.PROMPT_EMBEDDINGS, embeddings), Map.of("format", "pt"));
        ObjectNode config = JSON.createObjectNode();
        config.put("peft_type", PEFT_TYPE);
        config.put("task_type", taskType(geometry));
        config.put("num_virtual_tokens", embeddings.getShape().get(0));
        config.put("token_dim", geometry.hiddenSize());
        config.put("num_transformer_submodules", 1);
        config.put("num_attention_heads", geometry.heads());
        config.put("num_layers", geometry.isEncoderDecoder() ? geometry.encoderLayers() : geometry.decoderLayers());
        // The embeddings are trained: PEFT must not re-initialise them (RANDOM needs no tokenizer at load time).
        config.put("prompt_tuning_init", "RANDOM");
        config.putNull("prompt_tuning_init_text");
        config.putNull("tokenizer_name_or_path");
        config.put("base_model_name_or_path", baseModel);
        config.putNull("revision");
        config.put("inference_mode", true);
        AtomicFiles.writeString(directory.resolve(PrefixFiles.PEFT_CONFIG), config.toPrettyString());
    }

    /** Reads the embeddings {@code [P, hidden]} of a prompt-tuning directory made for a model of {@code geometry}. */
    static NDArray read(Path directory, NDManager manager, ModelGeometry geometry) {
        Path configFile = directory.resolve(PrefixFiles.PEFT_CONFIG);
        Path weightsFile = directory.resolve(PrefixFiles.PEFT_WEIGHTS);
        if (!Files.isRegularFile(configFile)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, directory + " has no " + PrefixFiles.PEFT_CONFIG
                    + "; a PEFT prompt-tuning directory needs one");
        }
        if (!Files.isRegularFile(weightsFile)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, directory + " has no " + PrefixFiles.PEFT_WEIGHTS
                    + " (an adapter_model.bin must first be re-saved with safe_serialization=True)");
        }
        JsonNode config = AdapterConfigFiles.read(configFile);
        AdapterConfigFiles.requireText(configFile, config, "peft_type", PEFT_TYPE);
        AdapterConfigFiles.requireText(configFile, config, "task_type", taskType(geometry));
        AdapterConfigFiles.requireModelNumber(configFile, config, "token_dim", geometry.hiddenSize());
        JsonNode submodules = config.get("num_transformer_submodules");
        if (submodules != null && !submodules.isNull() && AdapterConfigFiles.positiveInt(configFile, config, "num_transformer_submodules") != 1) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, configFile + " has \"num_transformer_submodules\": " + submodules
                    + "; peft4j's embedding-only adapter holds one set of virtual tokens (1)");
        }
        int virtualTokens = AdapterConfigFiles.positiveInt(configFile, config, "num_virtual_tokens");
        AdapterSizes.checkPositions(new AdapterSizes.Source(virtualTokens, configFile + " says num_virtual_tokens = " + virtualTokens,
                "use embeddings trained for this model"), geometry);
        try (SafetensorsFile weights = SafetensorsFile.open(weightsFile)) {
            if (!weights.contains(PrefixFiles.PROMPT_EMBEDDINGS)) {
                throw new PeftException(StandardErrorCode.MISSING_TENSOR, weightsFile + " has no '" + PrefixFiles.PROMPT_EMBEDDINGS + "' tensor");
            }
            return AdapterTensors.loadFloat32(weights, PrefixFiles.PROMPT_EMBEDDINGS, new Shape(virtualTokens, geometry.hiddenSize()), manager);
        }
    }
}
