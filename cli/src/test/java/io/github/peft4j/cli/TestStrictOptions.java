package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Options a command would silently ignore, or settings given twice, are refused naming the options to drop. */
final class TestStrictOptions {
    @TempDir
    static Path directory;

    private static Path gpt2;
    private static Path data;

    @BeforeAll
    static void createModel() throws IOException {
        gpt2 = directory.resolve("gpt2");
        CliRun.succeeds("init-model", "--arch", "gpt2", "--layers", "1", "--seed", "1", "--out", gpt2.toString());
        data = Files.writeString(directory.resolve("data.jsonl"), "{\"source\": [1, 2, 3], \"target\": [4, 5]}\n");
    }

    @Test
    void resumeRefusesEveryOptionItWouldTakeFromRunJson() {
        Path run = directory.resolve("resumed");

        String message = CliRun.of("train", "--resume", "--out", run.toString(), "--steps", "100", "--lr", "5", "--model", gpt2.toString())
                .assertUserError("INVALID_ARGUMENT");

        assertThat(message).contains("--resume continues " + run + " with the options in its run.json; drop --steps, --lr, --model");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--method full --set foo=bar | --set",
            "--method top-k --top-k 1 --set foo=bar | --set",
            "--method full --prefix-length 5 | --prefix-length",
            "--method full --mlp-width 8 | --mlp-width",
            "--method top-k --init x.safetensors | --init",
            "--method prefix --top-k 1 | --top-k",
            "--top-k 1 | --top-k",
            "--prefix-length 5 --set length=6 | --prefix-length and --set length=6",
            "--mlp-width 8 --set mlp-width=16 | --mlp-width and --set mlp-width=16"})
    void methodOptionsTheMethodWouldIgnoreAreRefused(String options, String named) {
        Path run = directory.resolve("run");

        String message = train(run, options.trim().split(" ")).assertUserError("INVALID_ARGUMENT");

        assertThat(message).contains(named.trim());
        assertThat(run).doesNotExist();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"--beams 0 | --beams", "--decode-batch-size 0 | --decode-batch-size", "--max-new-tokens 0 | --max-new-tokens"})
    void ablateChecksItsDecodingOptionsEvenWithoutADataset(String options, String named) {
        Path out = directory.resolve("ablation");
        List<String> arguments = new ArrayList<>(List.of("ablate", "--model", gpt2.toString(), "--data", data.toString(), "--methods", "prefix",
                "--budget", "1", "--out", out.toString()));
        arguments.addAll(List.of(options.trim().split(" ")));

        String message = CliRun.of(arguments.toArray(String[]::new)).assertUserError("INVALID_ARGUMENT");

        assertThat(message).contains(named.trim());
        assertThat(out).doesNotExist();
    }

    @Test
    void anUnknownDatasetIsNamedBeforeTheModelIsLoaded() {
        Path run = directory.resolve("run");
        Path dataDirectory = directory.resolve("dataset");

        String training = CliRun.of("train", "--model", gpt2.toString(), "--dataset", "foo", "--data", dataDirectory.toString(), "--out", run.toString())
                .assertUserError("INVALID_ARGUMENT");
        String ablation = CliRun.of("ablate", "--model", gpt2.toString(), "--dataset", "foo", "--data", dataDirectory.toString(),
                "--budget", "1", "--out", directory.resolve("ablation").toString()).assertUserError("INVALID_ARGUMENT");

        for (String message : List.of(training, ablation)) {
            assertThat(message).contains("--dataset foo", "e2e, webnlg, dart, xsum, jsonl").doesNotContain("tokenizer");
        }
        assertThat(run).doesNotExist();
    }

    @Test
    void aLengthTooLargeIsNamedByEveryOptionThatSetsIt() {
        String viaSet = train(directory.resolve("run"), "--method", "infix", "--set", "length=200").assertUserError("INVALID_ARGUMENT");
        String viaLengths = CliRun.of("ablate", "--model", gpt2.toString(), "--data", data.toString(), "--methods", "prefix", "--lengths", "1000",
                "--budget", "1", "--out", directory.resolve("ablation").toString()).assertUserError("INVALID_ARGUMENT");

        assertThat(viaSet).contains("length = 200 (--prefix-length, --lengths or --set length)");
        assertThat(viaLengths).contains("length = 1000 (--prefix-length, --lengths or --set length)");
    }

    @Test
    void aGpt2ModelWithABrokenGenerationConfigIsRefusedNamingTheFile() throws IOException {
        Path model = directory.resolve("gpt2-broken-generation-config");
        CliRun.succeeds("init-model", "--arch", "gpt2", "--layers", "1", "--seed", "1", "--out", model.toString());
        Path file = Files.writeString(model.resolve("generation_config.json"), "{\"max_length\": ");

        String message = CliRun.of("generate", "--model", model.toString(), "--ids", "1,2", "--max-new-tokens", "2").assertUserError("MALFORMED_CONFIG");

        assertThat(message).contains(file + " is not valid JSON");
    }

    private static CliRun train(Path run, String... options) {
        List<String> arguments = new ArrayList<>(List.of("train", "--model", gpt2.toString(), "--data", data.toString(), "--steps", "1",
                "--out", run.toString()));
        arguments.addAll(List.of(options));
        return CliRun.of(arguments.toArray(String[]::new));
    }
}
