package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.peft4j.testing.EngineManager;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A run killed with SIGKILL and resumed ends exactly where an uninterrupted run ends; run.json keeps what defines the run. */
final class TestTrainingResume {
    private static final int STEPS = 24;

    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    @TempDir
    static Path directory;

    private static Path model;
    private static Path data;

    @BeforeAll
    static void createModelAndData() throws IOException {
        model = directory.resolve("model");
        assertThat(CliRun.of("init-model", "--arch", "gpt2", "--layers", "2", "--vocab", "120", "--seed", "9", "--out", model.toString()).exitCode()).isZero();
        data = directory.resolve("data.jsonl");
        Random random = new Random(3);
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rows.add("{\"source\": [" + random.nextInt(119) + ", " + random.nextInt(119) + "], \"target\": [" + random.nextInt(119) + ", "
                    + random.nextInt(119) + ", 119]}");
        }
        Files.write(data, rows);
    }

    @Test
    void killedAndResumedRunEqualsAnUninterruptedOne() throws Exception {
        Path uninterrupted = directory.resolve("uninterrupted");
        CliRun full = CliRun.of(trainArguments(uninterrupted));
        assertThat(full.exitCode()).as(full.err()).isZero();

        Path killed = directory.resolve("killed");
        Process process = startChild(trainArguments(killed));
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("step 15 ")) {
                // read until the run is well past a few checkpoints
            }
            assertThat(line).as("the child got to step 15").isNotNull();
            process.destroyForcibly();
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("killed, not finished").isNotZero();
        assertThat(Files.exists(killed.resolve("adapter"))).as("the killed run never finished").isFalse();

        CliRun resumed = CliRun.of("train", "--resume", "--out", killed.toString());
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("resuming at step");

        for (String file : List.of("checkpoint/parameters.safetensors", "checkpoint/optimizer.safetensors", "adapter/adapter_model.safetensors")) {
            assertThat(Files.readAllBytes(killed.resolve(file))).as(file).isEqualTo(Files.readAllBytes(uninterrupted.resolve(file)));
        }
        List<String> steps = Files.readAllLines(killed.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"type\":\"step\"")).toList();
        assertThat(steps).hasSize(STEPS);
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

    private String[] trainArguments(Path run) {
        return new String[] {"train", "--model", model.toString(), "--data", data.toString(), "--prefix-length", "3", "--mlp-width", "16",
                "--lr", "0.01", "--warmup", "4", "--steps", Integer.toString(STEPS), "--batch-size", "4", "--seed", "5",
                "--checkpoint-every", "2", "--out", run.toString()};
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
