package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON Lines rows are exactly one object with each key once, rows have something to learn, and adapters hold only what they use. */
final class TestStrictInputs {
    @TempDir
    static Path directory;

    /** GPT-2 with 1 layer, 4 heads of 16, 1000 tokens and 128 positions. */
    private static Path gpt2;

    @BeforeAll
    static void createModel() {
        gpt2 = directory.resolve("gpt2");
        CliRun run = CliRun.of("init-model", "--arch", "gpt2", "--layers", "1", "--seed", "1", "--out", gpt2.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
    }

    @Test
    void trainRefusesTextAfterARowAndAKeyGivenTwiceByFileAndLine() throws IOException {
        Path junk = lines("junk.jsonl", "{\"source\": [1], \"target\": [2]}", "{\"source\": [1], \"target\": [2]} junk");
        Path twice = lines("twice.jsonl", "{\"source\": [1], \"target\": [2], \"target\": [3]}");

        assertThat(train(junk).assertUserError("MALFORMED_DATASET")).startsWith(junk + ":2: the row has text after the JSON object")
                .contains("give one JSON object per line");
        assertThat(train(twice).assertUserError("MALFORMED_DATASET")).startsWith(twice + ":1: the row gives the key \"target\" twice: keep only one");
    }

    @Test
    void trainRefusesARowWithNothingToLearnFromByFileAndLine() throws IOException {
        Path noSource = lines("no-source.jsonl", "{\"source\": [], \"target\": [3]}");
        Path noTarget = lines("no-target.jsonl", "{\"source\": [1], \"target\": [2]}", "{\"source\": [1], \"target\": []}");

        assertThat(train(noSource).assertUserError("MALFORMED_DATASET")).startsWith(noSource + ":1: the row has an empty \"source\"");
        assertThat(train(noTarget).assertUserError("MALFORMED_DATASET")).startsWith(noTarget + ":2: the row has an empty \"target\"");
    }

    @Test
    void generateRefusesTwoRequestsOnALineAndAKeyGivenTwice() throws IOException {
        Path two = lines("two.jsonl", "{\"ids\": [1, 2]} {\"ids\": [3]}");
        Path twice = lines("twice-requests.jsonl", "{\"ids\": [1]}", "{\"ids\": [1], \"ids\": [2]}");

        assertThat(generate(two).assertUserError("MALFORMED_DATASET")).startsWith(two + " line 1 has text after the JSON object");
        assertThat(generate(twice).assertUserError("MALFORMED_DATASET")).startsWith(twice + " line 2 gives the key \"ids\" twice");
    }

    @Test
    void aRequestTooLongForItsNewTokensIsNamedByFileAndLine() throws IOException {
        String ids = LongStream.range(1, 128).mapToObj(Long::toString).collect(Collectors.joining(", "));
        Path requests = lines("long-requests.jsonl", "{\"ids\": [1, 2]}", "{\"ids\": [" + ids + "]}");

        String message = generate(requests, "--max-new-tokens", "4").assertUserError("INVALID_ARGUMENT");

        assertThat(message).startsWith(requests + " line 2: up to 4 new tokens (--max-new-tokens) after a 127-token prompt need 130 positions")
                .contains("at most 2 new tokens fit", "shorten the prompt");
    }

    @Test
    void predictRefusesADatasetLineWithAKeyGivenTwice() throws IOException {
        Path data = CliModels.jsonlDataset(directory.resolve("dataset"), List.of("{\"source\": \"a\", \"target\": \"b\", \"source\": \"c\"}"));

        String message = CliRun.of("predict", "--model", gpt2.toString(), "--dataset", "jsonl", "--data", data.toString(),
                "--out", directory.resolve("predictions.txt").toString()).assertUserError("MALFORMED_DATASET");

        assertThat(message).contains(".jsonl:1: gives the key \"source\" twice");
    }

    @Test
    void aPrefixFileWithALayerTheModelLacksIsRefusedNamingTheTensor() {
        Path file = directory.resolve("three-layers.safetensors");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            Shape shape = new Shape(1, 4, 2, 16);
            SafetensorsWriter.write(file, Map.of("prefix.layers.0.key", manager.randomNormal(shape), "prefix.layers.0.value", manager.randomNormal(shape),
                    "prefix.layers.1.key", manager.randomNormal(shape), "prefix.layers.1.value", manager.randomNormal(shape)), Map.of());
        }

        String message = CliRun.of("generate", "--model", gpt2.toString(), "--ids", "1,2", "--prefix", file.toString())
                .assertUserError("MALFORMED_CHECKPOINT");

        assertThat(message).contains(file + " holds the unexpected tensors 'prefix.layers.1.key', 'prefix.layers.1.value'",
                "a prefix file for this 1-layer model", "remove the extra tensors");
    }

    private static CliRun train(Path data) {
        return CliRun.of("train", "--model", gpt2.toString(), "--data", data.toString(), "--steps", "1",
                "--out", directory.resolve("run-" + data.getFileName()).toString());
    }

    private static CliRun generate(Path requests, String... options) {
        String[] arguments = new String[5 + options.length];
        System.arraycopy(new String[] {"generate", "--model", gpt2.toString(), "--requests", requests.toString()}, 0, arguments, 0, 5);
        System.arraycopy(options, 0, arguments, 5, options.length);
        return CliRun.of(arguments);
    }

    private static Path lines(String name, String... lines) throws IOException {
        return Files.writeString(directory.resolve(name), String.join("\n", lines) + "\n");
    }
}
