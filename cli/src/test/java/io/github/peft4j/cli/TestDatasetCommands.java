package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.peft4j.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --dataset, predict and evaluate end to end, and evaluate against the official E2E scorer's numbers. */
final class TestDatasetCommands {
    @TempDir
    Path directory;

    @Test
    void evaluateMatchesTheOfficialE2eScorer() throws IOException {
        Path data = SharedData.require("e2e");
        Path predictions = data.resolve("system-outputs/tgen-std.train-clean_test-orig.run0.txt");

        CliRun run = CliRun.of("evaluate", "--dataset", "e2e", "--split", "test", "--data", data.toString(), "--predictions", predictions.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode scores = new ObjectMapper().readTree(run.out());
        assertThat(scores.get("items").asInt()).isEqualTo(630);
        assertThat(scores.get("BLEU").asDouble()).isCloseTo(0.6636, within(0.0001));
        assertThat(scores.get("NIST").asDouble()).isCloseTo(8.6939, within(0.001));
        assertThat(scores.get("ROUGE_L").asDouble()).isCloseTo(0.6827, within(0.0001));
        assertThat(scores.get("CIDEr").asDouble()).isCloseTo(2.2075, within(0.001));
        assertThat(scores.get("sacreBLEU_signature").asText()).startsWith("nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp");
    }

    @Test
    void trainPredictEvaluateOnAJsonlDataset() throws IOException {
        Path model = CliModels.gpt2WithTokenizer(directory.resolve("model"));
        Path data = directory.resolve("data");
        Files.createDirectories(data);
        List<String> rows = List.of("{\"source\": \"name : Hello\", \"target\": \"Hello world\"}", "{\"source\": \"name : world\", \"target\": \"world Hello\"}");
        Files.write(data.resolve("train.jsonl"), rows);
        Files.write(data.resolve("dev.jsonl"), rows);
        Files.write(data.resolve("test.jsonl"), rows);
        Path run = directory.resolve("run");

        CliRun train = CliRun.of("train", "--model", model.toString(), "--dataset", "jsonl", "--data", data.toString(), "--prefix-length", "2",
                "--mlp-width", "16", "--lr", "0.01", "--steps", "3", "--batch-size", "2", "--out", run.toString());
        assertThat(train.exitCode()).as(train.err()).isZero();
        assertThat(run.resolve("best/adapter_config.json")).as("the dev split was evaluated").exists();

        Path predictions = directory.resolve("predictions.txt");
        CliRun predict = CliRun.of("predict", "--model", model.toString(), "--adapter", run.resolve("adapter").toString(), "--dataset", "jsonl",
                "--data", data.toString(), "--split", "test", "--beams", "2", "--max-new-tokens", "4", "--min-new-tokens", "1", "--out", predictions.toString());
        assertThat(predict.exitCode()).as(predict.err()).isZero();
        assertThat(Files.readAllLines(predictions)).hasSize(2);
        assertThat(predict.out()).contains("predicted 2/2 sources");

        CliRun evaluate = CliRun.of("evaluate", "--dataset", "jsonl", "--data", data.toString(), "--predictions", predictions.toString(),
                "--metrics", "sacrebleu,rouge");
        assertThat(evaluate.exitCode()).as(evaluate.err()).isZero();
        JsonNode scores = new ObjectMapper().readTree(evaluate.out());
        assertThat(scores.get("count").asInt()).isEqualTo(2);
        assertThat(scores.has("sacreBLEU")).isTrue();
        assertThat(scores.has("rougeL")).isTrue();
    }

    @Test
    void evaluateRefusesAPredictionsFileOfTheWrongLength() throws IOException {
        Path data = directory.resolve("data");
        Files.createDirectories(data);
        Files.write(data.resolve("test.jsonl"), List.of("{\"source\": \"a\", \"target\": \"b\"}", "{\"source\": \"c\", \"target\": \"d\"}"));
        Path predictions = directory.resolve("p.txt");
        Files.writeString(predictions, "only one\n");

        CliRun evaluate = CliRun.of("evaluate", "--dataset", "jsonl", "--data", data.toString(), "--predictions", predictions.toString());

        assertThat(evaluate.exitCode()).isEqualTo(2);
        assertThat(evaluate.err()).startsWith("MALFORMED_DATASET:").contains("1 lines", "2 items");
        CliRun unknown = CliRun.of("evaluate", "--dataset", "jsonl", "--data", data.toString(), "--predictions", predictions.toString(), "--metrics", "meteor");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("meteor");
    }
}
