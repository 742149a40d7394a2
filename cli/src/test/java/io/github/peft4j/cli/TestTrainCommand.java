package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.peft4j.core.format.LayerPrefixes;
import io.github.peft4j.core.format.PrefixFiles;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.testing.EngineManager;
import io.github.peft4j.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code peft4j train} reproduces the golden trajectories; export and --adapter close the loop. */
final class TestTrainCommand {
    private static final Pattern STEP = Pattern.compile("(?m)^step (\\d+) loss (\\S+) lr");
    private static final ModelGeometry GOLDEN_GEOMETRY = new ModelGeometry("gpt2", 0, 2, 4, 16, 64, 1000, 128);

    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    @TempDir
    Path directory;

    @ParameterizedTest
    @CsvSource({"gpt2_direct, 0, 0.05", "gpt2_mlp, 32, 0.01"})
    void reproducesTheGoldenTrajectory(String name, int mlpWidth, double learningRate) throws IOException {
        Path golden = Golden.resolve("train/" + name);
        JsonNode expected = new ObjectMapper().readTree(golden.resolve("expected.json").toFile());
        Path run = directory.resolve("run");

        CliRun train = CliRun.of("train", "--model", Golden.resolve("gpt2").toString(), "--method", "prefix",
                "--data", golden.resolve("data.jsonl").toString(), "--init", golden.resolve("init.safetensors").toString(),
                "--prefix-length", "5", "--mlp-width", Integer.toString(mlpWidth), "--lr", Double.toString(learningRate),
                "--schedule", "constant", "--steps", "5", "--batch-size", "3", "--max-grad-norm", "0", "--no-shuffle", "--out", run.toString());

        assertThat(train.exitCode()).as(train.err()).isZero();
        List<Double> losses = new ArrayList<>();
        Matcher step = STEP.matcher(train.out());
        while (step.find()) {
            losses.add(Double.parseDouble(step.group(2)));
        }
        assertThat(losses).hasSize(5);
        for (int i = 0; i < 5; i++) {
            double reference = expected.get("losses").get(i).asDouble();
            assertThat(losses.get(i)).as("loss before step %d", i + 1).isCloseTo(reference, within(reference * 1e-5));
        }
        assertThat(train.out()).contains("Exported adapter: 1,280 parameters");

        try (SafetensorsFile finalFile = SafetensorsFile.open(golden.resolve("final.safetensors"));
                SafetensorsFile trained = SafetensorsFile.open(run.resolve("checkpoint/parameters.safetensors"))) {
            for (String parameter : trained.names()) {
                assertThat(trained.load(parameter, ARRAYS.manager()).toFloatArray()).as(parameter)
                        .containsExactly(finalFile.load(parameter, ARRAYS.manager()).toFloatArray(), offset(Golden.TRAINED_PARAMETER_TOLERANCE));
            }
            LayerPrefixes exported = PrefixFiles.readPeftDirectory(run.resolve("adapter"), ARRAYS.manager(), GOLDEN_GEOMETRY);
            for (int layer = 0; layer < 2; layer++) {
                assertThat(exported.layers().get(layer).keys().toFloatArray()).as("layer %d keys", layer)
                        .containsExactly(finalFile.load("prefix.layers." + layer + ".key", ARRAYS.manager()).toFloatArray(), offset(Golden.TRAINED_PARAMETER_TOLERANCE));
                assertThat(exported.layers().get(layer).values().toFloatArray()).as("layer %d values", layer)
                        .containsExactly(finalFile.load("prefix.layers." + layer + ".value", ARRAYS.manager()).toFloatArray(), offset(Golden.TRAINED_PARAMETER_TOLERANCE));
            }
        }
    }

    @Test
    void exportedAdapterSteersForwardLikeTheRawPrefix() throws IOException {
        Path golden = Golden.resolve("train/gpt2_mlp");
        Path run = directory.resolve("run");
        CliRun train = CliRun.of("train", "--model", Golden.resolve("gpt2").toString(), "--data", golden.resolve("data.jsonl").toString(),
                "--init", golden.resolve("init.safetensors").toString(), "--prefix-length", "5", "--mlp-width", "32", "--lr", "0.01",
                "--steps", "2", "--batch-size", "3", "--out", run.toString());
        assertThat(train.exitCode()).as(train.err()).isZero();

        Path exported = directory.resolve("exported");
        CliRun export = CliRun.of("export", "--run", run.toString(), "--out", exported.toString());
        assertThat(export.exitCode()).as(export.err()).isZero();

        Path viaAdapter = directory.resolve("a.safetensors");
        Path viaPrefix = directory.resolve("b.safetensors");
        String model = Golden.resolve("gpt2").toString();
        assertThat(CliRun.of("forward", "--model", model, "--ids", "1,2,3", "--adapter", exported.toString(), "--out", viaAdapter.toString()).exitCode()).isZero();
        assertThat(CliRun.of("forward", "--model", model, "--ids", "1,2,3", "--prefix", run.resolve("adapter").toString(), "--out", viaPrefix.toString()).exitCode()).isZero();
        try (SafetensorsFile a = SafetensorsFile.open(viaAdapter); SafetensorsFile b = SafetensorsFile.open(viaPrefix)) {
            assertThat(a.load("logits", ARRAYS.manager()).toFloatArray()).containsExactly(b.load("logits", ARRAYS.manager()).toFloatArray());
        }
    }

    @Test
    void anExistingRunIsNotOverwritten() throws IOException {
        Path run = directory.resolve("run");
        Files.createDirectories(run);
        Files.writeString(run.resolve("run.json"), "{}");

        CliRun train = CliRun.of("train", "--model", Golden.resolve("gpt2").toString(), "--data", "x.jsonl", "--out", run.toString());

        assertThat(train.exitCode()).isEqualTo(2);
        assertThat(train.err()).contains("--resume");
        assertThat(Files.readString(run.resolve("run.json"))).isEqualTo("{}");
    }

    @Test
    void badDataRowNamesFileAndLine() throws IOException {
        Path data = directory.resolve("data.jsonl");
        Files.writeString(data, "{\"source\": [1, 2], \"target\": [3]}\n{\"source\": [1], \"target\": \"text\"}\n");

        CliRun train = CliRun.of("train", "--model", Golden.resolve("gpt2").toString(), "--data", data.toString(), "--out", directory.resolve("run").toString());

        assertThat(train.exitCode()).isEqualTo(2);
        assertThat(train.err()).startsWith("MALFORMED_DATASET:").contains(data + ":2");
    }

    @ParameterizedTest
    @CsvSource({"full, 0", "top-k, 1"})
    void fineTuningBaselinesTrainTheirWeightsAndNeverTouchTheCheckpoint(String method, int layers) throws IOException {
        Path model = directory.resolve("model");
        assertThat(CliRun.of("init-model", "--arch", "gpt2", "--layers", "2", "--vocab", "50", "--seed", "3", "--out", model.toString()).exitCode()).isZero();
        byte[] checkpointBefore = Files.readAllBytes(model.resolve("model.safetensors"));
        Path data = directory.resolve("data.jsonl");
        Files.writeString(data, "{\"source\": [1, 2, 3], \"target\": [4, 5, 49]}\n{\"source\": [6, 7], \"target\": [8, 9, 49]}\n");
        Path run = directory.resolve("run");

        List<String> arguments = new ArrayList<>(List.of("train", "--model", model.toString(), "--method", method, "--data", data.toString(),
                "--lr", "0.01", "--schedule", "constant", "--steps", "8", "--batch-size", "2", "--out", run.toString()));
        if (method.equals("top-k")) {
            arguments.addAll(List.of("--top-k", Integer.toString(layers)));
        }
        CliRun train = CliRun.of(arguments.toArray(String[]::new));

        assertThat(train.exitCode()).as(train.err()).isZero();
        List<Double> losses = new ArrayList<>();
        Matcher step = STEP.matcher(train.out());
        while (step.find()) {
            losses.add(Double.parseDouble(step.group(2)));
        }
        assertThat(losses.get(losses.size() - 1)).isLessThan(losses.get(0));
        assertThat(Files.readAllBytes(model.resolve("model.safetensors"))).as("the model on disk").isEqualTo(checkpointBefore);
        try (SafetensorsFile trained = SafetensorsFile.open(run.resolve("adapter/trained-weights.safetensors"));
                SafetensorsFile original = SafetensorsFile.open(model.resolve("model.safetensors"))) {
            if (method.equals("full")) {
                assertThat(trained.names()).containsExactlyInAnyOrderElementsOf(original.names());
            }
            else {
                assertThat(trained.names()).allMatch(name -> name.startsWith("h.1.") || name.startsWith("ln_f.")).contains("h.1.attn.c_attn.weight", "ln_f.weight");
            }
            String changed = method.equals("full") ? "wte.weight" : "h.1.mlp.c_fc.weight";
            assertThat(trained.load(changed, ARRAYS.manager()).toFloatArray()).isNotEqualTo(original.load(changed, ARRAYS.manager()).toFloatArray());
        }
    }
}
