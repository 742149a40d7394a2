package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.testing.EngineManager;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A run killed with SIGKILL and resumed ends exactly where an uninterrupted run ends, with dropout too; run.json keeps
 * what defines the run; a damaged run.json, checkpoint state or metrics log is a clean error naming file and field.
 */
final class TestTrainingResume {
    private static final int STEPS = 40;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    @TempDir
    static Path directory;

    private static Path model;
    private static Path data;

    @BeforeAll
    static void createModelAndData() throws IOException {
        model = directory.resolve("model");
        CliRun.succeeds("init-model", "--arch", "gpt2", "--layers", "2", "--vocab", "120", "--seed", "9", "--out", model.toString());
        data = directory.resolve("data.jsonl");
        Random random = new Random(3);
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rows.add("{\"source\": [" + random.nextInt(119) + ", " + random.nextInt(119) + "], \"target\": [" + random.nextInt(119) + ", "
                    + random.nextInt(119) + ", 119]}");
        }
        Files.write(data, rows);
    }

    /**
     * The child is killed (SIGKILL) once it has printed step 15, i.e. several checkpoints in (one every 2 steps),
     * possibly while it writes the next one or a metrics line; the 25 steps left make it finish first only on a
     * badly stalled machine, and then resuming the finished run must still give the same files.
     */
    @ParameterizedTest(name = "dropout {0}")
    @ValueSource(strings = {"0", "0.1"})
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void killedAndResumedRunEqualsAnUninterruptedOne(String dropout) throws Exception {
        Path uninterrupted = directory.resolve("uninterrupted-" + dropout);
        CliRun full = CliRun.of(trainArguments(uninterrupted, dropout));
        assertThat(full.exitCode()).as(full.err()).isZero();

        Path killed = directory.resolve("killed-" + dropout);
        Process process = startChild(trainArguments(killed, dropout));
        // Bounds the wait for step 15: a stuck child is killed, which ends its output.
        CompletableFuture.delayedExecutor(3, TimeUnit.MINUTES).execute(process::destroyForcibly);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("step 15 ")) {
                // read until the run is well past a few checkpoints
            }
            process.destroyForcibly();
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.exists(killed.resolve("checkpoint")) || Files.exists(killed.resolve("checkpoint.peft4j-old"))).as("a checkpoint was written").isTrue();

        CliRun resumed = CliRun.of("train", "--resume", "--out", killed.toString());
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        if (process.exitValue() != 0) {
            assertThat(resumed.out()).contains("resuming at step");
        }

        for (String file : List.of("checkpoint/parameters.safetensors", "checkpoint/optimizer.safetensors", "adapter/adapter_model.safetensors")) {
            assertThat(Files.readAllBytes(killed.resolve(file))).as(file).isEqualTo(Files.readAllBytes(uninterrupted.resolve(file)));
        }
        assertThat(stepLosses(killed)).as("step -> loss").hasSize(STEPS).containsExactlyEntriesOf(stepLosses(uninterrupted));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "step|-3|\"step\" must be from 0 to 3 (got -3)",
        "step|1000|\"step\" must be from 0 to 3 (got 1000)",
        "step|\"three\"|\"step\" must be a whole number (got \"three\")",
        "epoch|-1|\"epoch\" must be from 0",
        "batch_in_epoch|7|\"batch_in_epoch\" is 7, but after step 3",
        "last_loss|\"low\"|\"last_loss\" must be a number"})
    void aCheckpointWithABadCounterIsRefusedNamingFileAndField(String field, String value, String message) throws IOException {
        Path run = copyOfFinishedRun("state-" + field + "-" + Math.abs(value.hashCode()));
        Path state = run.resolve("checkpoint/state.json");
        ObjectNode json = (ObjectNode) JSON.readTree(state.toFile());
        json.set(field, JSON.readTree(value));
        Files.writeString(state, json.toPrettyString());

        String error = CliRun.of("train", "--resume", "--out", run.toString()).assertUserError("MALFORMED_CHECKPOINT");

        assertThat(error).startsWith(state + ": ").contains(message).contains("restore it from a backup, or delete that directory to restart");
    }

    @Test
    void aCheckpointWhoseOptimizerCountDisagreesWithItsStateIsRefused() throws IOException {
        Path run = copyOfFinishedRun("optimizer-steps");
        Path optimizer = run.resolve("checkpoint/optimizer.safetensors");
        String bytes = new String(Files.readAllBytes(optimizer), StandardCharsets.ISO_8859_1);
        assertThat(bytes).contains("{\"steps\":\"3\"}");
        Files.write(optimizer, bytes.replace("{\"steps\":\"3\"}", "{\"steps\":\"2\"}").getBytes(StandardCharsets.ISO_8859_1));

        String error = CliRun.of("train", "--resume", "--out", run.toString()).assertUserError("MALFORMED_CHECKPOINT");

        assertThat(error).startsWith(optimizer + ": its \"steps\" metadata is \"2\" but state.json says 3 steps were done")
                .contains("delete that directory to restart");
    }

    @Test
    void aTornLastMetricsLineIsDroppedOnResume() throws IOException {
        Path run = copyOfFinishedRun("torn");
        Path metrics = run.resolve("metrics.jsonl");
        Map<Long, Double> before = stepLosses(run);
        Files.writeString(metrics, "{\"type\":\"step\",\"step\":4,\"lo", StandardOpenOption.APPEND);

        CliRun resumed = CliRun.of("train", "--resume", "--out", run.toString());

        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(stepLosses(run)).isEqualTo(before);
        assertThat(Files.readString(metrics)).endsWith("}\n");
    }

    @Test
    void aMalformedMetricsLineBeforeTheLastIsRefusedNamingFileAndLine() throws IOException {
        Path run = copyOfFinishedRun("malformed-metrics");
        Path metrics = run.resolve("metrics.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(metrics));
        lines.set(1, "{\"type\":\"st");
        Files.write(metrics, lines);

        String error = CliRun.of("train", "--resume", "--out", run.toString()).assertUserError("MALFORMED_CHECKPOINT");

        assertThat(error).startsWith(metrics + ":2: the line is not a JSON object").contains("correct or delete that line");
        assertThat(Files.readAllLines(metrics)).as("left as it was").isEqualTo(lines);
    }

    @Test
    void aNegativeCheckpointIntervalIsRefusedBeforeTheRunDirectoryIsMade() {
        Path run = directory.resolve("negative-interval");

        String error = CliRun.of(shortRun(run, "--checkpoint-every", "-5")).assertUserError("INVALID_ARGUMENT");

        assertThat(error).isEqualTo("--checkpoint-every must be at least 1 (got -5)");
        assertThat(run).doesNotExist();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "checkpoint_every_steps|-5|\"checkpoint_every_steps\" must be at least 1 (got -5; the --checkpoint-every option)",
        "learning_rate|\"fast\"|\"training.learning_rate\" must be a number (got \"fast\")",
        "batch_size|0|\"training.batch_size\" must be at least 1 (got 0; the --batch-size option)"})
    void aHandEditedRunJsonIsRefusedNamingTheField(String field, String value, String message) throws IOException {
        Path run = copyOfFinishedRun("run-json-" + field);
        Path file = run.resolve("run.json");
        ObjectNode json = (ObjectNode) JSON.readTree(file.toFile());
        (field.equals("checkpoint_every_steps") ? json : (ObjectNode) json.get("training")).set(field, JSON.readTree(value));
        Files.writeString(file, json.toPrettyString());

        String error = CliRun.of("train", "--resume", "--out", run.toString()).assertUserError("MALFORMED_CONFIG");

        assertThat(error).startsWith(file + ": ").contains(message).contains("correct it");
    }

    @Test
    void theFrozenPrecisionIsPartOfTheRun() throws IOException {
        Path fp32 = directory.resolve("fp32");
        Path bf16 = directory.resolve("bf16");
        assertThat(CliRun.of(shortRun(fp32)).exitCode()).isZero();
        CliRun run = CliRun.of(shortRun(bf16, "--frozen-precision", "bf16"));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(new ObjectMapper().readTree(bf16.resolve("run.json").toFile()).get("frozen_precision").asText()).isEqualTo("bf16");
        assertThat(new ObjectMapper().readTree(fp32.resolve("run.json").toFile()).get("frozen_precision").asText()).isEqualTo("fp32");
        String adapter = "adapter/adapter_model.safetensors";
        assertThat(Files.readAllBytes(bf16.resolve(adapter))).as("trained through bf16 products").isNotEqualTo(Files.readAllBytes(fp32.resolve(adapter)));
    }

    private String[] shortRun(Path run, String... more) {
        List<String> arguments = new ArrayList<>(List.of("train", "--model", model.toString(), "--data", data.toString(), "--prefix-length", "3",
                "--lr", "0.01", "--steps", "3", "--batch-size", "4", "--seed", "5", "--out", run.toString()));
        arguments.addAll(List.of(more));
        return arguments.toArray(String[]::new);
    }

    private String[] trainArguments(Path run, String dropout) {
        return new String[] {"train", "--model", model.toString(), "--data", data.toString(), "--prefix-length", "3", "--mlp-width", "16",
                "--lr", "0.01", "--warmup", "4", "--steps", Integer.toString(STEPS), "--batch-size", "4", "--seed", "5",
                "--checkpoint-every", "2", "--set", "dropout=" + dropout, "--out", run.toString()};
    }

    /** A copy of a finished 3-step run (trained once), to damage. */
    private Path copyOfFinishedRun(String name) throws IOException {
        Path finished = directory.resolve("finished");
        if (!Files.exists(finished.resolve("adapter"))) {
            CliRun run = CliRun.of(shortRun(finished, "--checkpoint-every", "1"));
            assertThat(run.exitCode()).as(run.err()).isZero();
        }
        Path copy = directory.resolve(name);
        try (Stream<Path> files = Files.walk(finished)) {
            for (Path file : files.toList()) {
                Files.copy(file, copy.resolve(finished.relativize(file).toString()));
            }
        }
        return copy;
    }

    /** The loss of every step in the run's metrics.jsonl, by step. */
    private static Map<Long, Double> stepLosses(Path run) throws IOException {
        Map<Long, Double> losses = new LinkedHashMap<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode entry = JSON.readTree(line);
            if (entry.get("type").asText().equals("step")) {
                assertThat(losses.put(entry.get("step").asLong(), entry.get("loss").asDouble())).as("step %s logged once", entry.get("step")).isNull();
            }
        }
        return losses;
    }

    private static Process startChild(String[] arguments) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("DJL_OFFLINE", "true");
        builder.environment().put("OPT_OUT_TRACKING", "true");
        return builder.start();
    }
}
