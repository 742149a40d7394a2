package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.inject.Injector;
import io.github.peft4j.core.inject.PeftInjector;
import io.github.peft4j.core.inject.PluginRegistry;
import io.github.peft4j.testing.Golden;
import io.github.peft4j.testing.SharedData;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code peft4j ablate} end to end on tiny models. The command is run through picocli directly (with the CLI's
 * injector), so these tests do not depend on its registration in {@link PeftCommand}; one test runs it through
 * {@link Main} once it is registered.
 */
final class TestAblateCommand {
    private static final List<String> METHODS = List.of("prefix", "embedding", "infix");

    @TempDir
    Path directory;

    /** One run of {@code ablate} (arguments after the command name), as {@link Main} would report it. */
    static CliRun ablate(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintWriter errWriter = new PrintWriter(err, true);
        Injector injector = PeftInjector.create(new CliModule());
        AblateCommand command = new AblateCommand(injector.getInstance(ModelLoader.class), injector.getInstance(PluginRegistry.class));
        ErrorReporter reporter = new ErrorReporter(errWriter, false);
        int exitCode = new CommandLine(command, new GuiceFactory(injector))
                .setOut(new PrintWriter(out, true))
                .setErr(errWriter)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((exception, cmd, parseResult) -> reporter.report(exception))
                .execute(args);
        return new CliRun(exitCode, out.toString(), err.toString());
    }

    /** A random one-layer GPT-2 with the byte-level fixture tokenizer and {@code positions} learned positions. */
    private Path tinyModelWithTokenizer(int positions) {
        return CliModels.gpt2WithTokenizer(directory.resolve("model"), "--positions", Integer.toString(positions));
    }

    @Test
    void comparesEveryMethodAtEveryLengthWithTheSameBudgetOnADataset() throws IOException {
        Path model = tinyModelWithTokenizer(128);
        Path data = directory.resolve("data");
        Files.createDirectories(data);
        List<String> rows = List.of("{\"source\": \"name : Hello\", \"target\": \"Hello world\"}", "{\"source\": \"name : world\", \"target\": \"world Hello\"}",
                "{\"source\": \"name : Hello\", \"target\": \"Hello Hello\"}");
        Files.write(data.resolve("train.jsonl"), rows);
        Files.write(data.resolve("dev.jsonl"), rows);
        Path out = directory.resolve("ablation");

        CliRun run = ablate("--model", model.toString(), "--dataset", "jsonl", "--data", data.toString(), "--lengths", "1,2", "--budget", "3",
                "--mlp-width", "8", "--lr", "0.01", "--batch-size", "2", "--beams", "2", "--max-new-tokens", "3", "--min-new-tokens", "1",
                "--out", out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("method", "length", "train loss", "dev loss", "dev BLEU");
        for (String method : METHODS) {
            assertThat(run.out()).containsPattern("(?m)^" + method + " +1 ").containsPattern("(?m)^" + method + " +2 ");
        }
        JsonNode result = new ObjectMapper().readTree(out.resolve("ablation.json").toFile());
        assertThat(result.get("metric").asText()).isEqualTo("BLEU");
        assertThat(result.get("budget_steps").asInt()).isEqualTo(3);
        assertThat(result.get("dev_items_generated").asInt()).as("distinct dev sources").isEqualTo(2);
        List<String> runs = new ArrayList<>();
        for (JsonNode entry : result.get("runs")) {
            String name = entry.get("method").asText() + "-" + entry.get("length").asInt();
            runs.add(name);
            assertThat(entry.get("steps").asInt()).as(name).isEqualTo(3);
            assertThat(entry.get("dev_loss").asDouble()).as(name).isPositive();
            assertThat(entry.get("bleu").asDouble()).as(name).isBetween(0.0, 100.0);
            assertThat(entry.get("exported_parameters").asLong()).as(name).isPositive();
            assertThat(out.resolve(name).resolve("adapter/adapter_config.json")).as(name).exists();
            assertThat(Files.readAllLines(out.resolve(name).resolve("predictions.txt"))).as(name).hasSize(2);
        }
        assertThat(runs).containsExactly("prefix-1", "prefix-2", "embedding-1", "embedding-2", "infix-1", "infix-2");
        // Exported sizes per virtual token: prefix and infix L*2*d, embedding d (one layer, d = 64 here).
        assertThat(exported(result, "prefix-2")).isEqualTo(2L * 2 * 64).isEqualTo(exported(result, "infix-2"));
        assertThat(exported(result, "embedding-2")).isEqualTo(2L * 64);
    }

    private static long exported(JsonNode result, String run) {
        for (JsonNode entry : result.get("runs")) {
            if ((entry.get("method").asText() + "-" + entry.get("length").asInt()).equals(run)) {
                return entry.get("exported_parameters").asLong();
            }
        }
        throw new AssertionError("no run " + run);
    }

    @Test
    void withJsonlFilesItReportsLossesAndPerMethodSettingsApply() throws IOException {
        Path golden = Golden.resolve("train/gpt2_mlp/data.jsonl");
        Path out = directory.resolve("ablation");

        CliRun run = ablate("--model", Golden.resolve("gpt2").toString(), "--data", golden.toString(), "--dev", golden.toString(),
                "--methods", "embedding,infix", "--budget", "4", "--mlp-width", "16", "--lr", "0.01", "--batch-size", "3",
                "--set", "infix.boundary=target", "--out", out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).doesNotContain("BLEU");
        JsonNode result = new ObjectMapper().readTree(out.resolve("ablation.json").toFile());
        assertThat(result.get("runs")).hasSize(2);
        JsonNode infix = result.get("runs").get(1);
        assertThat(infix.get("method").asText()).isEqualTo("infix");
        assertThat(infix.get("settings").get("boundary").asText()).isEqualTo("target");
        assertThat(infix.get("settings").get("length").asText()).isEqualTo("10");
        assertThat(result.get("runs").get(0).get("settings").has("boundary")).isFalse();
        assertThat(infix.get("dev_loss").asDouble()).isPositive();
        assertThat(Files.readString(out.resolve("infix-10/adapter/adapter_config.json"))).contains("\"boundary\" : \"target\"");
    }

    @Test
    void badMethodsAndSettingsAreRefusedBeforeAnyTraining() {
        Path out = directory.resolve("ablation");
        String goldenModel = Golden.resolve("gpt2").toString();
        String data = Golden.resolve("train/gpt2_mlp/data.jsonl").toString();

        CliRun unknown = ablate("--model", goldenModel, "--data", data, "--methods", "prefix,lora", "--budget", "1", "--out", out.toString());
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("UNKNOWN_PLUGIN", "lora");

        CliRun badSetting = ablate("--model", goldenModel, "--data", data, "--set", "infix.boundary=middle", "--budget", "1", "--out", out.toString());
        assertThat(badSetting.exitCode()).isEqualTo(2);
        assertThat(badSetting.err()).contains("INVALID_ARGUMENT", "boundary");

        CliRun foreign = ablate("--model", goldenModel, "--data", data, "--methods", "prefix", "--set", "infix.boundary=target", "--budget", "1",
                "--out", out.toString());
        assertThat(foreign.exitCode()).isEqualTo(2);
        assertThat(foreign.err()).contains("not among --methods");

        CliRun zeroBudget = ablate("--model", goldenModel, "--data", data, "--budget", "0", "--out", out.toString());
        assertThat(zeroBudget.exitCode()).isEqualTo(2);
        assertThat(zeroBudget.err()).contains("--budget");
        assertThat(out).doesNotExist();
    }

    @Test
    void runsOnTheRealE2eData() throws IOException {
        Path e2e = SharedData.require("e2e");
        // E2E text has many characters outside the fixture's merges: byte fallback makes long sequences.
        Path model = tinyModelWithTokenizer(1024);
        Path out = directory.resolve("ablation");

        CliRun run = ablate("--model", model.toString(), "--dataset", "e2e", "--data", e2e.toString(), "--low-data", "10", "--budget", "2",
                "--mlp-width", "8", "--lr", "0.01", "--batch-size", "2", "--eval-limit", "2", "--beams", "1", "--max-new-tokens", "4",
                "--min-new-tokens", "1", "--out", out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode result = new ObjectMapper().readTree(out.resolve("ablation.json").toFile());
        assertThat(result.get("dataset").asText()).isEqualTo("e2e");
        assertThat(result.get("train_examples").asInt()).isEqualTo(10);
        assertThat(result.get("runs")).hasSize(3);
        for (JsonNode entry : result.get("runs")) {
            assertThat(entry.get("bleu").asDouble()).isBetween(0.0, 100.0);
            assertThat(entry.get("dev_loss").asDouble()).isPositive();
        }
    }

    @Test
    void runsThroughMainOnceRegistered() throws IOException {
        assumeThat(Arrays.asList(PeftCommand.class.getAnnotation(Command.class).subcommands()))
                .as("peft4j ablate is registered in PeftCommand")
                .contains(AblateCommand.class);
        Path out = directory.resolve("ablation");

        CliRun run = CliRun.of("ablate", "--model", Golden.resolve("gpt2").toString(), "--data", Golden.resolve("train/gpt2_mlp/data.jsonl").toString(),
                "--lengths", "2", "--budget", "2", "--mlp-width", "8", "--out", out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(new ObjectMapper().readTree(out.resolve("ablation.json").toFile()).get("runs")).hasSize(3);
    }
}
