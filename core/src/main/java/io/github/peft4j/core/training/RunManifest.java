package io.github.peft4j.core.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.spi.FrozenWeightPrecision;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
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
    }

    public void write(Path runDirectory) {
        ObjectNode json = JSON.createObjectNode();
        json.put("model", model.toAbsolutePath().toString());
        json.put("method", method);
        ObjectNode methodSettings = json.putObject("settings");
        new TreeMap<>(settings).forEach(methodSettings::put);
        ObjectNode t = json.putObject("training");
        t.put("learning_rate", training.learningRate());
        t.put("schedule", training.schedule().name().toLowerCase(Locale.ROOT));
        t.put("warmup_steps", training.warmupSteps());
        t.put("epochs", training.epochs());
        training.maxSteps().ifPresent(steps -> t.put("max_steps", steps));
        t.put("batch_size", training.batchSize());
        t.put("gradient_accumulation", training.gradientAccumulation());
        t.put("max_grad_norm", training.maxGradNorm());
        t.put("weight_decay", training.weightDecay());
        t.put("shuffle", training.shuffle());
        t.put("seed", training.seed());
        t.put("eval_every_steps", training.evalEverySteps());
        t.put("early_stopping_patience", training.earlyStoppingPatience());
        json.put("data", data.toAbsolutePath().toString());
        dev.ifPresent(d -> json.put("dev", d.toAbsolutePath().toString()));
        dataset.ifPresent(name -> json.put("dataset", name));
        lowData.ifPresent(size -> json.put("low_data", size));
        json.put("checkpoint_every_steps", checkpointEverySteps);
        json.put("frozen_precision", frozenPrecision.optionValue());
        AtomicFiles.writeString(runDirectory.resolve(FILE_NAME), json.toPrettyString());
    }

    public static RunManifest read(Path runDirectory) {
        Path file = runDirectory.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, runDirectory + " is not a peft4j run directory (it has no " + FILE_NAME + ")");
        }
        try {
            JsonNode json = JSON.readTree(file.toFile());
            Map<String, String> settings = new LinkedHashMap<>();
            json.path("settings").fields().forEachRemaining(e -> settings.put(e.getKey(), e.getValue().asText()));
            JsonNode t = required(json, "training", file);
            TrainingConfig training = new TrainingConfig(
                    required(t, "learning_rate", file).asDouble(),
                    TrainingConfig.Schedule.valueOf(required(t, "schedule", file).asText().toUpperCase(Locale.ROOT)),
                    t.path("warmup_steps").asLong(0),
                    required(t, "epochs", file).asInt(),
                    t.has("max_steps") ? OptionalLong.of(t.get("max_steps").asLong()) : OptionalLong.empty(),
                    required(t, "batch_size", file).asInt(),
                    t.path("gradient_accumulation").asInt(1),
                    t.path("max_grad_norm").asDouble(0),
                    t.path("weight_decay").asDouble(0),
                    t.path("shuffle").asBoolean(true),
                    t.path("seed").asLong(1),
                    t.path("eval_every_steps").asLong(0),
                    t.path("early_stopping_patience").asInt(0));
            return new RunManifest(Path.of(required(json, "model", file).asText()), required(json, "method", file).asText(), settings, training,
                    Path.of(required(json, "data", file).asText()), json.has("dev") ? Optional.of(Path.of(json.get("dev").asText())) : Optional.empty(),
                    json.has("dataset") ? Optional.of(json.get("dataset").asText()) : Optional.empty(),
                    json.has("low_data") ? OptionalInt.of(json.get("low_data").asInt()) : OptionalInt.empty(),
                    json.path("checkpoint_every_steps").asLong(0),
                    FrozenWeightPrecision.valueOf(json.path("frozen_precision").asText("fp32").toUpperCase(Locale.ROOT)));
        }
        catch (IOException | IllegalArgumentException e) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, file + " is damaged: " + e.getMessage(), e);
        }
    }

    private static JsonNode required(JsonNode json, String key, Path file) {
        JsonNode value = json.get(key);
        if (value == null || value.isNull()) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, file + " lacks \"" + key + "\"");
        }
        return value;
    }
}
