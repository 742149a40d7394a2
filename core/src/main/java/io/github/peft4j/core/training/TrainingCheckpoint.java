package io.github.peft4j.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.core.training.optim.AdamW;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Everything needed to continue a run exactly: the trainable parameters (with any reparameterisation, unlike an
 * export), the optimizer's moments, and where in the data the run was. Written as one directory that replaces the
 * previous checkpoint atomically.
 */
final class TrainingCheckpoint {
    static final String PARAMETERS = "parameters.safetensors";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String STATE = "state.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Where a run is.
     *
     * @param step optimizer steps done
     * @param epoch 0-based epoch in progress
     * @param batchInEpoch batches of that epoch already consumed
     * @param bestDevLoss NaN until a dev evaluation ran
     */
    record State(long step, int epoch, int batchInEpoch, double lastLoss, double bestDevLoss, int evaluationsWithoutImprovement) {
        static State start() {
            return new State(0, 0, 0, Double.NaN, Double.NaN, 0);
        }
    }

    private TrainingCheckpoint() {}

    static void save(Path directory, State state, Map<String, NDArray> parameters, AdamW optimizer) {
        AtomicFiles.replaceDirectory(directory, partial -> {
            SafetensorsWriter.write(partial.resolve(PARAMETERS), parameters, Map.of("format", "pt"));
            SafetensorsWriter.write(partial.resolve(OPTIMIZER), optimizer.state(), Map.of("steps", Long.toString(optimizer.steps())));
            ObjectNode json = JSON.createObjectNode();
            json.put("step", state.step());
            json.put("epoch", state.epoch());
            json.put("batch_in_epoch", state.batchInEpoch());
            json.put("last_loss", state.lastLoss());
            json.put("best_dev_loss", state.bestDevLoss());
            json.put("evaluations_without_improvement", state.evaluationsWithoutImprovement());
            AtomicFiles.writeString(partial.resolve(STATE), json.toPrettyString());
        });
    }

    /** Restores parameters and optimizer in place from the checkpoint in {@code directory}, if there is one. */
    static Optional<State> load(Path directory, Map<String, NDArray> parameters, AdamW optimizer, NDManager scratch) {
        Optional<Path> found = AtomicFiles.existingDirectory(directory);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Path checkpoint = found.get();
        try (NDManager loading = scratch.newSubManager();
                SafetensorsFile parameterFile = SafetensorsFile.open(checkpoint.resolve(PARAMETERS));
                SafetensorsFile optimizerFile = SafetensorsFile.open(checkpoint.resolve(OPTIMIZER))) {
            ParameterValues.assignAll(parameters, parameterFile, loading);
            Map<String, NDArray> moments = new HashMap<>();
            optimizerFile.names().forEach(name -> moments.put(name, optimizerFile.load(name, loading)));
            long optimizerSteps = Long.parseLong(optimizerFile.metadata().getOrDefault("steps", "-1"));
            optimizer.loadState(moments, optimizerSteps);
            JsonNode json = JSON.readTree(checkpoint.resolve(STATE).toFile());
            return Optional.of(new State(field(json, "step", checkpoint).asLong(), field(json, "epoch", checkpoint).asInt(),
                    field(json, "batch_in_epoch", checkpoint).asInt(), field(json, "last_loss", checkpoint).asDouble(),
                    field(json, "best_dev_loss", checkpoint).asDouble(), field(json, "evaluations_without_improvement", checkpoint).asInt()));
        }
        catch (IOException | NumberFormatException e) {
            throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, "Training checkpoint " + checkpoint + " is damaged (" + e
                    + "); delete it to start over", e);
        }
    }

    private static JsonNode field(JsonNode json, String name, Path checkpoint) {
        JsonNode value = json == null ? null : json.get(name);
        if (value == null || value.isNull()) {
            throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, "Training checkpoint " + checkpoint + " lacks \"" + name
                    + "\" in " + STATE + "; delete it to start over");
        }
        return value;
    }
}
