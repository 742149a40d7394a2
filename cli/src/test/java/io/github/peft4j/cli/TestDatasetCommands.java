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

    /** DART's BART-large example output: DART's evaluation script prints BLEU = 48.56. */
    @Test
    void evaluateDartMatchesDartsOfficialBleu() throws IOException {
        Path data = SharedData.require("dart");
        Path predictions = SharedData.require("dart/system-outputs/bart-large_dart.txt");

        CliRun run = CliRun.of("evaluate", "--dataset", "dart", "--data", data.toString(), "--predictions", predictions.toString(), "--metrics", "bleu,e2e_bleu");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode scores = new ObjectMapper().readTree(run.out());
        assertThat(scores.get("BLEU").asDouble()).isCloseTo(48.56, within(0.005));
        assertThat(scores.get("BLEU_script").asText()).contains("BLEU = 48.56,", "hyp_len=110554, ref_len=116948");
        assertThat(scores.has("BLEU_e2e")).isTrue();
    }

    /** A WebNLG 2017 submission (BART-large): the challenge's scripts print 58.06 all, 64.51 seen, 50.20 unseen. */
    @Test
    void evaluateWebNlgMatchesTheChallengeBleu() throws IOException {
        Path data = SharedData.require("webnlg2017");
        Path predictions = SharedData.require("webnlg2017/system-outputs/bartlarge.txt");

        CliRun run = CliRun.of("evaluate", "--dataset", "webnlg", "--data", data.toString(), "--predictions", predictions.toString(), "--metrics", "bleu");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode scores = new ObjectMapper().readTree(run.out());
        assertThat(scores.get("all").get("BLEU").asDouble()).isCloseTo(58.06, within(0.005));
        assertThat(scores.get("seen").get("BLEU").asDouble()).isCloseTo(64.51, within(0.005));
        assertThat(scores.get("unseen").get("BLEU").asDouble()).isCloseTo(50.20, within(0.005));
        assertThat(scores.get("all").get("BLEU_script").asText()).startsWith("multi-bleu.perl -lc ").contains("BLEU = 58.06,");
    }

    /**
     * Two DART entries scored against the official reference lines (tokenised, lowercased, an empty line for each
     * missing text) with the predictions as they are: entry 1's prediction matches its first text once tokenised;
     * entry 2's 4 words are closer to the empty lines (0) than to its 8-word text, so ref_len is 9 + 0.
     */
    @Test
    void evaluateDartScoresPredictionsAgainstTheOfficialReferenceLines() throws IOException {
        Path data = Files.createDirectories(directory.resolve("dart"));
        Files.writeString(data.resolve("dart-v1.1.1-full-test.json"), """
                [{"tripleset": [["A", "P", "B"]], "annotations": [{"source": "x", "text": "Mars Hill College joined in 1973, early."}]},
                 {"tripleset": [["C", "P", "D"]], "annotations": [{"source": "x", "text": "one two three four five six seven eight"}]}]
                """);
        Path predictions = Files.writeString(directory.resolve("predictions.txt"), "mars hill college joined in 1973 , early .\none two three four\n");

        CliRun run = CliRun.of("evaluate", "--dataset", "dart", "--data", data.toString(), "--predictions", predictions.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode scores = new ObjectMapper().readTree(run.out());
        assertThat(scores.get("BLEU").asDouble()).isCloseTo(100, within(1e-9));
        assertThat(scores.get("BLEU_script").asText()).endsWith("(BP=1.000, ratio=1.444, hyp_len=13, ref_len=9)");
        assertThat(scores.get("BLEU_e2e").asDouble()).isLessThan(1);
        assertThat(scores.has("sacreBLEU")).isTrue();
        assertThat(scores.has("TER")).isTrue();
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
