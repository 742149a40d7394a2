package io.github.peft4j.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.inject.Inject;
import io.github.peft4j.core.inject.PluginRegistry;
import io.github.peft4j.spi.FrozenWeightPrecision;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads a model directory with the backend that its {@code config.json}'s {@code model_type} names. */
final class ModelLoader {
    private final PluginRegistry registry;

    @Inject
    ModelLoader(PluginRegistry registry) {
        this.registry = registry;
    }

    ModelBackend load(Path modelDirectory, NDManager manager) {
        return load(modelDirectory, manager, FrozenWeightPrecision.FP32);
    }

    ModelBackend load(Path modelDirectory, NDManager manager, FrozenWeightPrecision precision) {
        Path config = modelDirectory.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "No config.json in " + modelDirectory
                    + ". --model takes a Hugging Face model directory (config.json, model.safetensors, tokenizer files);"
                    + " 'peft4j init-model' creates a random one.");
        }
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(config.toFile());
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, config + " is not valid JSON: " + e.getMessage(), e);
        }
        String modelType = json == null ? "" : json.path("model_type").asText("");
        if (modelType.isEmpty()) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, config + " has no \"model_type\"; cannot tell which backend loads it");
        }
        return registry.backendForModelType(modelType).load(modelDirectory, manager, precision);
    }
}
