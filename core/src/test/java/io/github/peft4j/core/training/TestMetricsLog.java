package io.github.peft4j.core.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** metrics.jsonl on resume: entries after the checkpoint go, a torn last line goes, anything else foreign is an error. */
final class TestMetricsLog {
    @TempDir
    Path directory;

    @Test
    void resumingDropsEntriesAfterTheCheckpointAndATornLastLine() throws IOException {
        Path file = log(step(1) + step(2) + eval(2) + step(3) + "{\"type\":\"step\",\"step\":4,\"lo");

        resumeAt(4);

        assertThat(Files.readAllLines(file)).containsExactly(line(1), line(2), "{\"type\":\"eval\",\"step\":2}", line(3), stepLine(4));
        assertWellFormed(file);
    }

    @Test
    void aTailOfZerosLeftByAPowerLossIsATornLine() throws IOException {
        Path file = log(step(1) + step(2));
        Files.write(file, new byte[64], java.nio.file.StandardOpenOption.APPEND);

        resumeAt(3);

        assertThat(Files.readAllLines(file)).containsExactly(line(1), line(2), stepLine(3));
        assertWellFormed(file);
    }

    @Test
    void aWholeLastLineWithoutItsLineEndIsKept() throws IOException {
        Path file = log(step(1) + line(2));

        resumeAt(3);

        assertThat(Files.readAllLines(file)).containsExactly(line(1), line(2), stepLine(3));
    }

    @Test
    void aMalformedLineBeforeTheLastIsAnErrorNamingFileAndLineBeforeTheRunStarts() throws IOException {
        Path file = log(step(1) + "{\"type\":\"step\",\"st\n" + step(3));
        String before = Files.readString(file);

        assertThatThrownBy(() -> new MetricsLog(directory))
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.MALFORMED_CHECKPOINT.toErrorCode()))
                .hasMessageStartingWith(file + ":2: the line is not a JSON object")
                .hasMessageContaining("correct or delete that line");
        assertThat(Files.readString(file)).as("left as it was").isEqualTo(before);
    }

    @Test
    void aTerminatedLastLineThatIsNotJsonIsNotTorn() throws IOException {
        Path file = log(step(1) + "not json\n");

        assertThatThrownBy(() -> new MetricsLog(directory)).isInstanceOf(PeftException.class).hasMessageStartingWith(file + ":2: ");
    }

    private Path log(String text) throws IOException {
        Path file = directory.resolve(MetricsLog.FILE_NAME);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    /** Starts a resumed run at {@code firstStep} and logs that one step. */
    private void resumeAt(long firstStep) {
        try (MetricsLog log = new MetricsLog(directory)) {
            log.onStart(new TrainingPlan(firstStep, 10, 10, 5, 100));
            log.onStep(new StepMetrics(firstStep, 10, 1, 0.5, 0.1, 1, 7, 0));
        }
    }

    private static void assertWellFormed(Path file) throws IOException {
        assertThat(Files.readString(file)).endsWith("\n");
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(file)) {
            assertThat(json.readTree(line).isObject()).as(line).isTrue();
        }
    }

    private static String step(long step) {
        return line(step) + "\n";
    }

    private static String line(long step) {
        return "{\"type\":\"step\",\"step\":" + step + "}";
    }

    private static String eval(long step) {
        return "{\"type\":\"eval\",\"step\":" + step + "}\n";
    }

    /** The line {@link #resumeAt} logs for its step. */
    private static String stepLine(long step) {
        return "{\"type\":\"step\",\"step\":" + step + ",\"epoch\":1,\"loss\":0.5,\"learning_rate\":0.1,\"gradient_norm\":1.0,\"tokens\":7,\"seconds\":0.0}";
    }
}
