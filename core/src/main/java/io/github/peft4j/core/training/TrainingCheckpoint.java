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

    /**
     * Restores parameters and optimizer in place from the checkpoint in {@code directory}, if there is one. Its
     * {@code state.json} is checked first against the run it is to continue: every counter must be a whole number in
     * range, and the data position must be the one {@code step} implies for {@code examples} examples with
     * {@code config}'s batches; otherwise nothing is restored and the error names the file and field.
     */
    static Optional<State> load(Path directory, Map<String, NDArray> parameters, AdamW optimizer, NDManager scratch, TrainingConfig config,
            int examples) {
        Optional<Path> found = AtomicFiles.existingDirectory(directory);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Path checkpoint = found.get();
        String advice = "; the checkpoint " + checkpoint + " is damaged or belongs to another run: restore it from a backup, or delete that "
                + "directory to restart the run from step 0";
        State state = readState(new JsonFields(checkpoint.resolve(STATE), StandardErrorCode.MALFORMED_CHECKPOINT, advice), config, examples);
        try (NDManager loading = scratch.newSubManager();
                SafetensorsFile parameterFile = SafetensorsFile.open(checkpoint.resolve(PARAMETERS));
                SafetensorsFile optimizerFile = SafetensorsFile.open(checkpoint.resolve(OPTIMIZER))) {
            String steps = optimizerFile.metadata().get("steps");
            if (steps == null || !steps.equals(Long.toString(state.step()))) {
                throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, checkpoint.resolve(OPTIMIZER) + ": its \"steps\" metadata is "
                        + (steps == null ? "missing" : "\"" + steps + "\"") + " but " + STATE + " says " + state.step() + " steps were done");
            }
            ParameterValues.assignAll(parameters, parameterFile, loading);
            Map<String, NDArray> moments = new HashMap<>();
            optimizerFile.names().forEach(name -> moments.put(name, optimizerFile.load(name, loading)));
            optimizer.loadState(moments, state.step());
            return Optional.of(state);
        }
        catch (PeftException e) {
            // What is wrong with the tensors (missing, mis-shaped, unreadable) is said where it is found; what to do here.
            throw new PeftException(e::getErrorCode, e.getMessage() + advice, e);
        }
    }

    /**
     * A checkpoint's state, checked against the run. The data position is redundant with the step (an epoch is
     * {@code stepsPerEpoch} steps of {@code gradientAccumulation} batches each), which is what makes a damaged or
     * foreign one detectable.
     */
    static State readState(JsonFields fields, TrainingConfig config, int examples) {
        JsonNode json = fields.root();
        long totalSteps = config.totalSteps(examples);
        long stepsPerEpoch = config.stepsPerEpoch(examples);
        long step = fields.wholeNumber("step", fields.required(json, "step"), 0, totalSteps);
        long epoch = fields.wholeNumber("epoch", fields.required(json, "epoch"), 0, Integer.MAX_VALUE);
        long expectedEpoch = step / stepsPerEpoch;
        if (epoch != expectedEpoch) {
            throw fields.invalid("epoch", "is " + epoch + ", but after step " + step + " of this run (" + stepsPerEpoch
                    + " steps per epoch) the run is in epoch " + expectedEpoch + " (counted from 0)");
        }
        long batchInEpoch = fields.wholeNumber("batch_in_epoch", fields.required(json, "batch_in_epoch"), 0, Integer.MAX_VALUE);
        long expectedBatch = step % stepsPerEpoch * config.gradientAccumulation();
        if (batchInEpoch != expectedBatch) {
            throw fields.invalid("batch_in_epoch", "is " + batchInEpoch + ", but after step " + step + " of this run (" + stepsPerEpoch
                    + " steps of " + config.gradientAccumulation() + " batches per epoch) the run is at batch " + expectedBatch + " of its epoch");
        }
        double lastLoss = fields.number(json, "last_loss", step == 0);
        if (step > 0 && !(Double.isFinite(lastLoss) && lastLoss >= 0)) {
            throw fields.invalid("last_loss", "must be a finite loss of at least 0 (got " + lastLoss + ")");
        }
        double bestDevLoss = fields.number(json, "best_dev_loss", true);
        if (!Double.isNaN(bestDevLoss) && !(Double.isFinite(bestDevLoss) && bestDevLoss >= 0)) {
            throw fields.invalid("best_dev_loss", "must be a finite loss of at least 0, or \"NaN\" before the first evaluation (got " + bestDevLoss + ")");
        }
        long withoutImprovement = fields.wholeNumber("evaluations_without_improvement", fields.required(json, "evaluations_without_improvement"), 0,
                Double.isNaN(bestDevLoss) ? 0 : step);
        return new State(step, (int) epoch, (int) batchInEpoch, lastLoss, bestDevLoss, (int) withoutImprovement);
    }
}
