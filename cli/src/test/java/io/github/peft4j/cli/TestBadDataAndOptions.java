package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad rows, token ids and generation sizes, each refused through the CLI's contract naming where and what to do. */
final class TestBadDataAndOptions {
    private static final byte LATIN1_E_ACUTE = (byte) 0xE9;

    @TempDir
    static Path directory;

    /** GPT-2 with 1000 tokens and 128 positions. */
    private static Path gpt2;
    private static Path bart;

    @BeforeAll
    static void createModels() {
        gpt2 = directory.resolve("gpt2");
        bart = directory.resolve("bart");
        for (String[] arguments : new String[][] {
                {"init-model", "--arch", "gpt2", "--layers", "1", "--seed", "1", "--out", gpt2.toString()},
                {"init-model", "--arch", "bart", "--layers", "1", "--seed", "1", "--out", bart.toString()}}) {
            CliRun run = CliRun.of(arguments);
            assertThat(run.exitCode()).as(run.err()).isZero();
        }
    }

    @Test
    void aJsonlIdOutsideTheVocabularyIsNamedByFileAndLine() throws IOException {
        Path data = pairs("oov.jsonl", "{\"source\": [1, 2], \"target\": [3]}", "{\"source\": [4], \"target\": [5, 1000]}");

        String message = train(data).assertUserError("MALFORMED_DATASET");

        assertThat(message).startsWith(data + ":2: the target's token 2 is the id 1000, outside the model's vocabulary [0, 1000)")
                .contains("peft4j tokenize");
    }

    @Test
    void aNegativeJsonlIdIsNamedByFileAndLine() throws IOException {
        Path data = pairs("negative.jsonl", "{\"source\": [-1], \"target\": [5]}");

        assertThat(train(data).assertUserError("MALFORMED_DATASET")).startsWith(data + ":1: the row has a \"source\" whose item 1 is not a token id")
                .contains("-1 is negative");
    }

    @Test
    void aRowLongerThanTheModelsPositionsIsNamedByFileAndLine() throws IOException {
        String longSource = IntStream.range(0, 100).mapToObj(Integer::toString).collect(Collectors.joining(", "));
        Path data = pairs("long.jsonl", "{\"source\": [1], \"target\": [2]}", "", "{\"source\": [" + longSource + "], \"target\": [1, 2, 3, 4, 5,"
                + " 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]}");

        assertThat(train(data).assertUserError("MALFORMED_DATASET"))
                .startsWith(data + ":3: the row is too long: its source and target have 100 + 29 = 129 tokens, more than the 128 positions")
                .contains("shorten the row or drop it");
    }

    @Test
    void aDatasetRowLongerThanTheModelsPositionsIsNamedByFileAndLineInTrainingAndPrediction() throws IOException {
        Path model = CliModels.gpt2WithTokenizer(directory.resolve("gpt2-with-tokenizer"));
        Path data = CliModels.jsonlDataset(directory.resolve("long-rows"), List.of(CliModels.HELLO_ROWS.get(0),
                "{\"source\": \"" + "Hello world ".repeat(100) + "\", \"target\": \"world\"}"));

        String training = CliRun.of("train", "--model", model.toString(), "--dataset", "jsonl", "--data", data.toString(), "--steps", "1",
                "--out", directory.resolve("long-run").toString()).assertUserError("MALFORMED_DATASET");
        String prediction = CliRun.of("predict", "--model", model.toString(), "--dataset", "jsonl", "--data", data.toString(), "--max-new-tokens", "2",
                "--min-new-tokens", "1", "--out", directory.resolve("long.txt").toString()).assertUserError("MALFORMED_DATASET");

        assertThat(training).startsWith(data.resolve("train.jsonl") + ":2: the row is too long").contains("more than the 128 positions");
        assertThat(prediction).startsWith("Source 2 of the split (\"Hello world").contains("128 positions", "shorten it");
    }

    @Test
    void aJsonlLineThatIsNotUtf8IsNamedByFileAndLine() throws IOException {
        Path data = withLatin1Byte(directory.resolve("latin1.jsonl"), "{\"source\": \"a\", \"target\": \"b\"}\n{\"source\": \"caf", "\", \"target\": \"d\"}\n");

        assertThat(train(data).assertUserError("MALFORMED_DATASET")).startsWith(data + ":2: byte 0xE9 (byte 46 of the file) is not UTF-8 text")
                .contains("iconv");
    }

    @Test
    void anE2eCsvRowThatIsNotUtf8IsNamedByFileAndLine() throws IOException {
        Path e2e = Files.createDirectories(directory.resolve("e2e-latin1"));
        Path csv = withLatin1Byte(e2e.resolve("devset.csv"), "mr,ref\n\"name[A]\",\"A.\"\n\"name[Caf", "]\",\"B.\"\n");
        Path predictions = Files.writeString(directory.resolve("predictions.txt"), "A.\nB.\n");

        String message = CliRun.of("evaluate", "--dataset", "e2e", "--split", "dev", "--data", e2e.toString(), "--predictions", predictions.toString())
                .assertUserError("MALFORMED_DATASET");

        assertThat(message).startsWith(csv + ":3: byte 0xE9").contains("save the file as UTF-8");
    }

    @Test
    void anIdBeyondSixtyFourBitsIsRefusedNotWrapped() throws IOException {
        Path data = pairs("huge.jsonl", "{\"source\": [18446744073709551617], \"target\": [5]}");
        assertThat(train(data).assertUserError("MALFORMED_DATASET")).startsWith(data + ":1: ")
                .contains("18446744073709551617 is larger than any token id can be");

        String option = generate("--ids", "1,18446744073709551617").assertUserError("INVALID_ARGUMENT");
        assertThat(option).contains("--ids", "18446744073709551617 is larger than any token id can be");

        Path requests = pairs("requests.jsonl", "{\"ids\": [1]}", "{\"ids\": [18446744073709551617]}");
        assertThat(generate("--requests", requests.toString()).assertUserError("MALFORMED_DATASET"))
                .startsWith(requests + " line 2 has an \"ids\" item that is not a token id: 18446744073709551617 is larger");
    }

    @Test
    void anIdThatIsNotAWholeNumberIsRefused() throws IOException {
        Path data = pairs("fraction.jsonl", "{\"source\": [1], \"target\": [5]}", "{\"source\": [1.5], \"target\": [1e3]}");
        assertThat(train(data).assertUserError("MALFORMED_DATASET")).startsWith(data + ":2: ").contains("1.5 is not written as a whole number");

        assertThat(generate("--ids", "1.5").assertUserError("INVALID_ARGUMENT")).contains("--ids", "1.5 is not written as a whole number");
        assertThat(generate("--ids", "1e3").assertUserError("INVALID_ARGUMENT")).contains("--ids", "1e3 is not written as a whole number");
        assertThat(CliRun.of("forward", "--model", gpt2.toString(), "--ids", "two", "--out", directory.resolve("x.safetensors").toString())
                .assertUserError("INVALID_ARGUMENT")).contains("--ids", "'two' is not a number");
    }

    @Test
    void beamsTooManyToFitAreRefusedBeforeDecoding() {
        String message = generate("--ids", "1,2", "--beams", "2147483647").assertUserError("OUT_OF_MEMORY");

        assertThat(message).contains("2147483647 beams", "--beams", "--batch-size");
    }

    @Test
    void moreNewTokensThanThePositionsHoldAreRefusedBeforeDecoding() {
        String message = generate("--ids", "1,2", "--max-new-tokens", "2147483647").assertUserError("INVALID_ARGUMENT");

        assertThat(message).contains("2147483647 new tokens (--max-new-tokens) after a 2-token prompt", "128", "at most 127 new tokens fit");
    }

    @Test
    void generateOnAnEncoderDecoderModelPointsToPredict() {
        String message = CliRun.of("generate", "--model", bart.toString(), "--ids", "1,2").assertUserError("INVALID_ARGUMENT");

        assertThat(message).contains("decoder-only", "encoder-decoder", "peft4j predict --model " + bart + " --dataset jsonl --data DIR")
                .doesNotContain("decoder input ids");
    }

    private static CliRun train(Path data) {
        return CliRun.of("train", "--model", gpt2.toString(), "--data", data.toString(), "--steps", "1",
                "--out", directory.resolve("run-" + data.getFileName()).toString());
    }

    private static CliRun generate(String... prompt) {
        String[] arguments = new String[prompt.length + 3];
        arguments[0] = "generate";
        arguments[1] = "--model";
        arguments[2] = gpt2.toString();
        System.arraycopy(prompt, 0, arguments, 3, prompt.length);
        return CliRun.of(arguments);
    }

    private static Path pairs(String name, String... lines) throws IOException {
        return Files.writeString(directory.resolve(name), String.join("\n", lines) + "\n");
    }

    /** {@code before + 0xE9 + after}, the rest UTF-8: "café" as Latin-1 writes it. */
    private static Path withLatin1Byte(Path file, String before, String after) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        bytes.write(LATIN1_E_ACUTE);
        bytes.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        return Files.write(file, bytes.toByteArray());
    }
}
