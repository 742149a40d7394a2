package io.github.peft4j.core.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.spi.FrozenWeightPrecision;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * A run directory's {@code run.json}: everything that defines the run, so that it can be resumed or exported
 * from the directory alone.
 *
 * @param method the adapter method, or {@code full} / {@code top-k} for the baselines
 * @param settings the method's settings (for {@code top-k}: {@code layers})
 * @param dataset a named dataset whose directory {@code data} is, or empty when {@code data} is a JSONL file
 * @param lowData train on this many examples of the training split (seeded), with a dev split taken beside them
 * @param frozenPrecision the number format of the frozen weights' products ({@code fp32} for run.json files without it)
 */
public record RunManifest(
        Path model,
        String method,
        Map<String, String> settings,
        TrainingConfig training,
        Path data,
        Optional<Path> dev,
        Optional<String> dataset,
        OptionalInt lowData,
        long checkpointEverySteps,
        FrozenWeightPrecision frozenPrecision) {
    public static final String FILE_NAME = "run.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    public RunManifest {
        settings = Map.copyOf(settings);
        TrainingOption.CHECKPOINT_EVERY.require(checkpointEverySteps >= 1, "must be at least 1", checkpointEverySteps);
    }

    public void write(Path runDirectory) {
        ObjectNode json = JSON.createObjectNode();
        json.put("model", model.toAbsolutePath().toString());
        json.put("method", method);
        ObjectNode methodSettings = json.putObject("settings");
        new TreeMap<>(settings).forEach(methodSettings::put);
        ObjectNode t = json.putObject("training");
        t.put(TrainingOption.LEARNING_RATE.key(), training.learningRate());
        t.put(TrainingOption.SCHEDULE.key(), training.schedule().name().toLowerCase(Locale.ROOT));
        t.put(TrainingOption.WARMUP.key(), training.warmupSteps());
        t.put(TrainingOption.EPOCHS.key(), training.epochs());
        training.maxSteps().ifPresent(steps -> t.put(TrainingOption.STEPS.key(), steps));
        t.put(TrainingOption.BATCH_SIZE.key(), training.batchSize());
        t.put(TrainingOption.GRADIENT_ACCUMULATION.key(), training.gradientAccumulation());
        t.put(TrainingOption.MAX_GRAD_NORM.key(), training.maxGradNorm());
        t.put(TrainingOption.WEIGHT_DECAY.key(), training.weightDecay());
        t.put(TrainingOption.SHUFFLE.key(), training.shuffle());
        t.put(TrainingOption.SEED.key(), training.seed());
        t.put(TrainingOption.EVAL_EVERY.key(), training.evalEverySteps());
        t.put(TrainingOption.EARLY_STOPPING.key(), training.earlyStoppingPatience());
        json.put("data", data.toAbsolutePath().toString());
        dev.ifPresent(d -> json.put("dev", d.toAbsolutePath().toString()));
        dataset.ifPresent(name -> json.put("dataset", name));
        lowData.ifPresent(size -> json.put("low_data", size));
        json.put(TrainingOption.CHECKPOINT_EVERY.key(), checkpointEverySteps);
        json.put("frozen_precision", frozenPrecision.optionValue());
        AtomicFiles.writeString(runDirectory.resolve(FILE_NAME), json.toPrettyString());
    }

    /**
     * The run in {@code runDirectory}. Fields are checked as the options that set them are: a {@code run.json}
     * edited into a bad value is a {@link StandardErrorCode#MALFORMED_CONFIG} naming the file and the field.
     */
    public static RunManifest read(Path runDirectory) {
        Path file = runDirectory.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, runDirectory + " is not a peft4j run directory (it has no " + FILE_NAME + ")");
        }
        JsonFields fields = new JsonFields(file, StandardErrorCode.MALFORMED_CONFIG,
                "; correct it (peft4j wrote it from the train command's options), or train anew in another directory");
        JsonNode json = fields.root();
        Map<String, String> settings = new LinkedHashMap<>();
        fields.optional(json, "settings").ifPresent(node -> {
            if (!node.isObject()) {
                throw fields.invalid("settings", "must be a JSON object of the method's settings");
            }
            node.fields().forEachRemaining(e -> {
                // Written as strings; a number or boolean edited in by hand means the same.
                if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    throw fields.invalid("settings." + e.getKey(), "must be a string (got " + e.getValue() + ")");
                }
                settings.put(e.getKey(), e.getValue().asText());
            });
        });
        JsonNode t = fields.object(json, "training");
        try {
            TrainingConfig training = new TrainingConfig(
                    fields.number(t, TrainingOption.LEARNING_RATE.field, false),
                    schedule(fields, t),
                    fields.wholeNumber(t, TrainingOption.WARMUP.field),
                    fields.smallWholeNumber(t, TrainingOption.EPOCHS.field),
                    fields.optional(t, TrainingOption.STEPS.field).isPresent()
                            ? OptionalLong.of(fields.wholeNumber(t, TrainingOption.STEPS.field)) : OptionalLong.empty(),
                    fields.smallWholeNumber(t, TrainingOption.BATCH_SIZE.field),
                    fields.smallWholeNumber(t, TrainingOption.GRADIENT_ACCUMULATION.field),
                    fields.number(t, TrainingOption.MAX_GRAD_NORM.field, false),
                    fields.number(t, TrainingOption.WEIGHT_DECAY.field, false),
                    fields.bool(t, TrainingOption.SHUFFLE.field),
                    fields.wholeNumber(t, TrainingOption.SEED.field),
                    fields.wholeNumber(t, TrainingOption.EVAL_EVERY.field),
                    fields.smallWholeNumber(t, TrainingOption.EARLY_STOPPING.field));
            return new RunManifest(Path.of(fields.text(json, "model")), fields.text(json, "method"), settings, training,
                    Path.of(fields.text(json, "data")),
                    fields.optional(json, "dev").map(dev -> Path.of(fields.text("dev", dev))),
                    fields.optional(json, "dataset").map(name -> fields.text("dataset", name)),
                    fields.optional(json, "low_data").isPresent() ? OptionalInt.of(fields.smallWholeNumber(json, "low_data")) : OptionalInt.empty(),
                    fields.wholeNumber(json, TrainingOption.CHECKPOINT_EVERY.field),
                    frozenPrecision(fields, json));
        }
        catch (TrainingOption.Invalid e) {
            throw fields.invalid(e.setting.field, e.rule + " (got " + e.value + "; the " + e.setting.option + " option)");
        }
        catch (InvalidPathException e) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, file + " holds a path that is not valid here (" + e.getMessage()
                    + "); correct it, or train anew in another directory");
        }
    }

    private static TrainingConfig.Schedule schedule(JsonFields fields, JsonNode training) {
        String name = fields.text(training, TrainingOption.SCHEDULE.field);
        for (TrainingConfig.Schedule schedule : TrainingConfig.Schedule.values()) {
            if (schedule.name().equalsIgnoreCase(name)) {
                return schedule;
            }
        }
        throw fields.invalid(TrainingOption.SCHEDULE.field, "must be constant or linear (got \"" + name + "\")");
    }

    /** fp32 for run.json files written before the option existed. */
    private static FrozenWeightPrecision frozenPrecision(JsonFields fields, JsonNode json) {
        if (fields.optional(json, "frozen_precision").isEmpty()) {
            return FrozenWeightPrecision.FP32;
        }
        String name = fields.text(json, "frozen_precision");
        for (FrozenWeightPrecision precision : FrozenWeightPrecision.values()) {
            if (precision.optionValue().equalsIgnoreCase(name)) {
                return precision;
            }
        }
        throw fields.invalid("frozen_precision", "must be fp32 or bf16 (got \"" + name + "\")");
    }
}
