package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.testing.EngineManager;
import io.github.peft4j.testing.Golden;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The paper's two ablations through the ordinary commands: train, export, and forward/generate with --adapter. */
final class TestAblationMethodCommands {
    private static final Pattern STEP = Pattern.compile("(?m)^step (\\d+) loss (\\S+) lr");

    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    @TempDir
    Path directory;

    @ParameterizedTest
    @ValueSource(strings = {"embedding", "infix"})
    void trainReducesTheLossAndTheExportedAdapterRoundTrips(String method) {
        String model = Golden.resolve("gpt2").toString();
        Path run = directory.resolve("run");

        CliRun train = CliRun.of("train", "--model", model, "--method", method, "--data", Golden.resolve("train/gpt2_mlp/data.jsonl").toString(),
                "--prefix-length", "3", "--mlp-width", "16", "--lr", "0.01", "--schedule", "constant", "--steps", "20", "--batch-size", "3",
                "--no-shuffle", "--out", run.toString());

        assertThat(train.exitCode()).as(train.err()).isZero();
        List<Double> losses = new ArrayList<>();
        Matcher step = STEP.matcher(train.out());
        while (step.find()) {
            losses.add(Double.parseDouble(step.group(2)));
        }
        assertThat(losses).hasSize(20);
        assertThat(losses.get(19)).as("last loss vs first %s", losses.get(0)).isLessThan(losses.get(0) / 2);
        assertThat(train.out()).contains("Exported adapter: " + (method.equals("embedding") ? "192" : "768") + " parameters");

        Path exported = directory.resolve("exported");
        CliRun export = CliRun.of("export", "--run", run.toString(), "--out", exported.toString());
        assertThat(export.exitCode()).as(export.err()).isZero();

        Path fromRun = directory.resolve("run-logits.safetensors");
        Path fromExport = directory.resolve("export-logits.safetensors");
        Path plain = directory.resolve("plain-logits.safetensors");
        String ids = "5,17,300,42,999";
        assertThat(CliRun.of("forward", "--model", model, "--adapter", run.resolve("adapter").toString(), "--ids", ids, "--out", fromRun.toString()).exitCode())
                .isZero();
        assertThat(CliRun.of("forward", "--model", model, "--adapter", exported.toString(), "--ids", ids, "--out", fromExport.toString()).exitCode()).isZero();
        assertThat(CliRun.of("forward", "--model", model, "--ids", ids, "--out", plain.toString()).exitCode()).isZero();
        float[] trained = logits(fromRun);
        assertThat(logits(fromExport)).containsExactly(trained);
        assertThat(trained).as("the adapter steers the model").isNotEqualTo(logits(plain));

        CliRun generate = CliRun.of("generate", "--model", model, "--adapter", exported.toString(), "--ids", ids, "--beams", "2", "--max-new-tokens", "4");
        assertThat(generate.exitCode()).as(generate.err()).isZero();
        assertThat(generate.out().strip()).matches("[0-9,]+");
    }

    private static float[] logits(Path file) {
        try (NDManager manager = ARRAYS.manager().newSubManager(); SafetensorsFile opened = SafetensorsFile.open(file)) {
            return opened.load("logits", manager).toFloatArray();
        }
    }
}
