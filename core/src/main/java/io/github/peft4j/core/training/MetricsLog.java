package io.github.peft4j.core.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends one JSON object per line to a run's {@code metrics.jsonl}: {@code {"type":"step",...}} for every step and
 * {@code {"type":"eval",...}} for every dev evaluation. When a run resumes, lines of steps after the checkpoint
 * are dropped first, so the log tells one consistent history.
 */
public final class MetricsLog implements TrainingListener, AutoCloseable {
    public static final String FILE_NAME = "metrics.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private BufferedWriter writer;

    public MetricsLog(Path runDirectory) {
        this.file = runDirectory.resolve(FILE_NAME);
    }

    @Override
    public void onStart(TrainingPlan plan) {
        try {
            if (Files.exists(file)) {
                List<String> kept = new ArrayList<>();
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    JsonNode entry = JSON.readTree(line);
                    if (entry != null && entry.path("step").asLong(Long.MAX_VALUE) < plan.firstStep()) {
                        kept.add(line);
                    }
                }
                AtomicFiles.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
            }
            writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.WRITE_FAILED, "Cannot open the metrics log " + file + ": " + e, e);
        }
    }

    @Override
    public void onStep(StepMetrics step) {
        ObjectNode entry = JSON.createObjectNode();
        entry.put("type", "step");
        entry.put("step", step.step());
        entry.put("epoch", step.epoch());
        entry.put("loss", step.loss());
        entry.put("learning_rate", step.learningRate());
        entry.put("gradient_norm", step.gradientNorm());
        entry.put("tokens", step.tokens());
        entry.put("seconds", step.seconds());
        write(entry);
    }

    @Override
    public void onEvaluation(EvaluationMetrics evaluation) {
        ObjectNode entry = JSON.createObjectNode();
        entry.put("type", "eval");
        entry.put("step", evaluation.step());
        entry.put("epoch", evaluation.epoch());
        entry.put("dev_loss", evaluation.loss());
        entry.put("best", evaluation.best());
        write(entry);
    }

    @Override
    public void onEnd(TrainingResult result) {
        close();
    }

    private void write(ObjectNode entry) {
        try {
            writer.write(entry.toString());
            writer.newLine();
            writer.flush();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (writer != null) {
            try {
                writer.close();
            }
            catch (IOException e) {
                throw new PeftException(StandardErrorCode.WRITE_FAILED, "Cannot close the metrics log " + file + ": " + e, e);
            }
            writer = null;
        }
    }
}
