package io.github.peft4j.core.training;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.io.IoErrors;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Appends one JSON object per line to a run's {@code metrics.jsonl}: {@code {"type":"step",...}} for every step and
 * {@code {"type":"eval",...}} for every dev evaluation. When a run resumes, lines of steps after the checkpoint
 * are dropped first, so the log tells one consistent history; so is a last line cut short (no line end, not a
 * whole JSON object), which is what a crash, power loss or full disk leaves, and blank lines. Any other line that is
 * not a JSON object is an error naming the file and line, raised when the log is opened: peft4j did not write it.
 */
public final class MetricsLog implements TrainingListener, AutoCloseable {
    public static final String FILE_NAME = "metrics.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    /** The entries of the log the run directory already holds. */
    private final Optional<List<Entry>> existing;
    private BufferedWriter writer;

    /** One line of the log, and the step it belongs to ({@link Long#MAX_VALUE} when it names none). */
    private record Entry(String line, long step) {}

    /** Reads (and checks) the log {@code runDirectory} already holds, before a run starts. */
    public MetricsLog(Path runDirectory) {
        this.file = runDirectory.resolve(FILE_NAME);
        this.existing = Files.exists(file) ? Optional.of(readExisting()) : Optional.empty();
    }

    @Override
    public void onStart(TrainingPlan plan) {
        existing.ifPresent(entries -> AtomicFiles.writeString(file, String.join("",
                entries.stream().filter(entry -> entry.step() < plan.firstStep()).map(entry -> entry.line() + "\n").toList())));
        try {
            writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        catch (IOException e) {
            throw IoErrors.writeFailed(file, e);
        }
    }

    /** The log's entries, without a torn last line and blank lines. */
    private List<Entry> readExisting() {
        String text;
        try {
            // Leniently decoded: a torn tail may hold any bytes (a power loss can leave zeros).
            text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, "Cannot read the metrics log " + file + " (" + IoErrors.describe(e)
                    + "); make it readable, or delete it to resume with an empty log");
        }
        List<Entry> entries = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        // split leaves one more piece after the last line end: empty unless the last line was cut short
        for (int index = 0; index < lines.length; index++) {
            String line = lines[index];
            boolean unterminated = index == lines.length - 1;
            if (line.isBlank()) {
                continue;
            }
            Optional<JsonNode> entry = entry(line);
            if (entry.isEmpty()) {
                if (unterminated) {
                    continue; // torn by a crash: the step it logged is redone
                }
                throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, file + ":" + (index + 1)
                        + ": the line is not a JSON object, so peft4j did not write it; correct or delete that line (the log is only a record)");
            }
            entries.add(new Entry(line, entry.get().path("step").asLong(Long.MAX_VALUE)));
        }
        return entries;
    }

    private static Optional<JsonNode> entry(String line) {
        try {
            JsonNode entry = JSON.readTree(line);
            return entry != null && entry.isObject() ? Optional.of(entry) : Optional.empty();
        }
        catch (JsonProcessingException e) {
            return Optional.empty();
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
            throw IoErrors.writeFailed(file, e);
        }
    }

    @Override
    public void close() {
        if (writer != null) {
            try {
                writer.close();
            }
            catch (IOException e) {
                throw IoErrors.writeFailed(file, e);
            }
            writer = null;
        }
    }
}
