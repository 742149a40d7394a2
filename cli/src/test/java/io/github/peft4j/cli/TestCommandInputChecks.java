package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.peft4j.spi.PeftException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Command-line inputs a hostile tester found to crash or destroy: each is a clean user error, and nothing is lost. */
final class TestCommandInputChecks {
    @TempDir
    static Path directory;

    private static Path model;
    private static Path data;

    @BeforeAll
    static void createModelAndData() throws IOException {
        model = CliModels.gpt2WithTokenizer(directory.resolve("model"));
        data = CliModels.jsonlDataset(directory.resolve("data"), CliModels.HELLO_ROWS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "0"})
    void predictRefusesALimitBelowOneAndWritesNothing(String limit) {
        Path out = directory.resolve("predictions-" + limit + ".txt");
        String message = CliRun.of("predict", "--model", model.toString(), "--dataset", "jsonl", "--data", data.toString(), "--out", out.toString(),
                "--limit", limit).assertUserError("INVALID_ARGUMENT");
        assertThat(message).contains("--limit", "at least 1", limit);
        assertThat(out).doesNotExist();
    }

    @Test
    void predictRefusesABatchSizeBelowOneByItsOption() {
        String message = CliRun.of("predict", "--model", model.toString(), "--dataset", "jsonl", "--data", data.toString(), "--out",
                directory.resolve("predictions-batch.txt").toString(), "--batch-size", "0").assertUserError("INVALID_ARGUMENT");
        assertThat(message).contains("--batch-size", "at least 1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"train", "generate"})
    void benchRefusesAnUnknownPresetBeforeStartingAChild(String benchmark) {
        String message = CliRun.of("bench", benchmark, "--preset", "huge").assertUserError("INVALID_ARGUMENT");
        assertThat(message).contains("--preset", "'huge'", "gpt2-medium", "--model");
    }

    @Test
    void aChildsUserErrorIsReportedAsThisProcesssOwn() {
        Path out = directory.resolve("child-model");
        assertThatThrownBy(() -> ChildJvm.run("Writing a random checkpoint", "init-model", "--arch", "gpt2", "--preset", "huge", "--seed", "1",
                "--out", out.toString()))
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.isUserError()).isTrue())
                .hasMessageContaining("Unknown preset 'huge'");
    }

    @Test
    void exportNeverReplacesTheRunsDataEvenWithForce() throws IOException {
        Path runData = directory.resolve("run-data");
        Files.createDirectories(runData);
        Path train = Files.copy(data.resolve("train.jsonl"), runData.resolve("train.jsonl"));
        Path dev = Files.copy(data.resolve("dev.jsonl"), runData.resolve("dev.jsonl"));
        Path run = directory.resolve("run");
        CliRun.succeeds("train", "--model", model.toString(), "--data", train.toString(), "--dev", dev.toString(), "--prefix-length", "2",
                "--mlp-width", "8", "--steps", "1", "--batch-size", "2", "--out", run.toString());
        for (Path input : List.of(train, dev)) {
            String before = Files.readString(input);
            String message = CliRun.of("export", "--run", run.toString(), "--out", input.toString(), "--force").assertUserError("INVALID_ARGUMENT");
            assertThat(message).contains(input.toString(), "never replaces");
            assertThat(input).isRegularFile().hasContent(before);
        }
    }

    @Test
    void initModelRefusesTooManyLayersUpFrontNamingTheOptionAndLeavesNoDirectory() {
        Path out = directory.resolve("huge-model");
        String message = CliRun.of("init-model", "--arch", "gpt2", "--preset", "tiny", "--layers", "1000000", "--seed", "1", "--out", out.toString())
                .assertUserError("OUT_OF_MEMORY");
        assertThat(message).contains("--layers");
        assertThat(out).doesNotExist();
    }

    @Test
    void initModelRefusesANonPositiveSizeByItsOption() {
        Path out = directory.resolve("no-layers");
        String message = CliRun.of("init-model", "--arch", "gpt2", "--layers", "0", "--seed", "1", "--out", out.toString()).assertUserError("INVALID_ARGUMENT");
        assertThat(message).contains("--layers", "at least 1");
        assertThat(out).doesNotExist();
    }

    @Test
    void aFailedInitModelRemovesWhatItCreatedAndKeepsAnEmptyDirectoryItWasGiven() throws IOException {
        Path absent = directory.resolve("bart-three-heads");
        CliRun.of("init-model", "--arch", "bart", "--heads", "3", "--seed", "1", "--out", absent.toString()).assertUserError("MALFORMED_CONFIG");
        assertThat(absent).doesNotExist();

        Path empty = Files.createDirectories(directory.resolve("empty-for-bart"));
        CliRun.of("init-model", "--arch", "bart", "--heads", "3", "--seed", "1", "--out", empty.toString()).assertUserError("MALFORMED_CONFIG");
        assertThat(empty).isEmptyDirectory();
    }
}
