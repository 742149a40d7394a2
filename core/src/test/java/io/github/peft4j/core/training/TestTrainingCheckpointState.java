package io.github.peft4j.core.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A checkpoint's state.json is checked against the run it is to continue before anything is restored. */
final class TestTrainingCheckpointState {
    /** 10 examples in batches of 4, 2 batches per step: 3 batches and 2 steps per epoch, 24 steps. */
    private static final TrainingConfig CONFIG = new TrainingConfig(1e-3, TrainingConfig.Schedule.LINEAR, 0, 1, OptionalLong.of(24), 4, 2, 1.0, 0, true, 1, 0, 2);
    private static final int EXAMPLES = 10;
    private static final String ADVICE = "restore it from a backup, or delete that directory to restart the run from step 0";

    @TempDir
    Path directory;

    @Test
    void aStateWrittenByARunReadsBack() throws IOException {
        TrainingCheckpoint.State state = read(state("13", "6", "2", "0.75", "0.5", "1"));

        assertThat(state).isEqualTo(new TrainingCheckpoint.State(13, 6, 2, 0.75, 0.5, 1));
        assertThat(read(state("4", "2", "0", "1.5", "\"NaN\"", "0")).bestDevLoss()).as("no evaluation yet").isNaN();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-3|0|0|1|1|0|\"step\" must be from 0 to 24 (got -3)",
        "25|12|0|1|1|0|\"step\" must be from 0 to 24 (got 25)",
        "\"ten\"|0|0|1|1|0|\"step\" must be a whole number (got \"ten\")",
        "1.5|0|0|1|1|0|\"step\" must be a whole number (got 1.5)",
        "13|-1|2|1|1|0|\"epoch\" must be from 0 to 2147483647 (got -1)",
        "13|5|2|1|1|0|\"epoch\" is 5, but after step 13 of this run (2 steps per epoch) the run is in epoch 6",
        "13|6|-2|1|1|0|\"batch_in_epoch\" must be from 0 to 2147483647 (got -2)",
        "13|6|3|1|1|0|\"batch_in_epoch\" is 3, but after step 13 of this run (2 steps of 2 batches per epoch) the run is at batch 2",
        "13|6|2|\"NaN\"|1|0|\"last_loss\" must be a number (got \"NaN\")",
        "13|6|2|-1|1|0|\"last_loss\" must be a finite loss of at least 0 (got -1.0)",
        "13|6|2|\"low\"|1|0|\"last_loss\" must be a number (got \"low\")",
        "13|6|2|1|-1|0|\"best_dev_loss\" must be a finite loss of at least 0",
        "13|6|2|1|1|-1|\"evaluations_without_improvement\" must be from 0 to 13 (got -1)",
        "13|6|2|1|\"NaN\"|2|\"evaluations_without_improvement\" must be from 0 to 0 (got 2)",
        "13|6|2|1|1|null|lacks \"evaluations_without_improvement\""})
    void aBadCounterIsAMalformedCheckpointNamingFileAndField(String step, String epoch, String batch, String lastLoss, String bestLoss,
            String withoutImprovement, String message) throws IOException {
        Path file = state(step, epoch, batch, lastLoss, bestLoss, withoutImprovement);

        assertThatThrownBy(() -> read(file))
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.MALFORMED_CHECKPOINT.toErrorCode()))
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining(message)
                .hasMessageEndingWith(ADVICE);
    }

    @Test
    void aStateThatIsNotAJsonObjectIsAMalformedCheckpoint() throws IOException {
        Path file = directory.resolve(TrainingCheckpoint.STATE);
        Files.writeString(file, "{\"step\": 1");
        assertThatThrownBy(() -> read(file)).isInstanceOf(PeftException.class).hasMessageStartingWith(file + " is not valid JSON").hasMessageEndingWith(ADVICE);
        Files.writeString(file, "[1, 2]");
        assertThatThrownBy(() -> read(file)).isInstanceOf(PeftException.class).hasMessageStartingWith(file + " does not hold a JSON object");
        Files.delete(file);
        assertThatThrownBy(() -> read(file)).isInstanceOf(PeftException.class).hasMessageStartingWith(file + " is missing");
    }

    private Path state(String step, String epoch, String batch, String lastLoss, String bestLoss, String withoutImprovement) throws IOException {
        Path file = directory.resolve(TrainingCheckpoint.STATE);
        Files.writeString(file, "{\"step\": " + step + ", \"epoch\": " + epoch + ", \"batch_in_epoch\": " + batch + ", \"last_loss\": " + lastLoss
                + ", \"best_dev_loss\": " + bestLoss + ", \"evaluations_without_improvement\": " + withoutImprovement + "}");
        return file;
    }

    private static TrainingCheckpoint.State read(Path file) {
        String advice = "; the checkpoint is damaged: " + ADVICE;
        return TrainingCheckpoint.readState(new JsonFields(file, StandardErrorCode.MALFORMED_CHECKPOINT, advice), CONFIG, EXAMPLES);
    }
}
