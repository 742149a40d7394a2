package io.github.peft4j.core.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.spi.FrozenWeightPrecision;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Training settings are checked where they are made: as options (named as the CLI names them) and in run.json (named by field). */
final class TestTrainingSettings {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path directory;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "lr|-1|--lr must be a finite number greater than 0 (got -1.0)",
        "lr|0|--lr must be a finite number greater than 0 (got 0.0)",
        "lr|NaN|--lr must be a finite number greater than 0 (got NaN)",
        "lr|Infinity|--lr must be a finite number greater than 0 (got Infinity)",
        "warmup|-1|--warmup must be at least 0 (got -1)",
        "epochs|0|--epochs must be at least 1 (got 0)",
        "steps|-3|--steps must be at least 1 (got -3)",
        "batch|0|--batch-size must be at least 1 (got 0)",
        "accumulation|-2|--grad-accum must be at least 1 (got -2)",
        "clip|-0.5|--max-grad-norm must be a finite number of at least 0 (0 = no clipping) (got -0.5)",
        "clip|NaN|--max-grad-norm must be a finite number of at least 0 (0 = no clipping) (got NaN)",
        "decay|-0.1|--weight-decay must be a finite number of at least 0 (got -0.1)",
        "decay|Infinity|--weight-decay must be a finite number of at least 0 (got Infinity)",
        "eval|-1|--eval-every must be at least 0 (0 = at the end of every epoch) (got -1)",
        "patience|-1|--early-stopping must be at least 0 (0 = never stop early) (got -1)"})
    void aBadTrainingOptionIsRefusedNamingTheOption(String setting, String value, String message) {
        assertThatThrownBy(() -> config(setting, value))
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.INVALID_ARGUMENT.toErrorCode()))
                .hasMessage(message);
    }

    @Test
    void aNegativeCheckpointIntervalIsRefusedNamingTheOption() {
        assertThatThrownBy(() -> manifest(-5)).isInstanceOf(PeftException.class).hasMessage("--checkpoint-every must be at least 1 (got -5)");
        assertThatThrownBy(() -> manifest(0)).isInstanceOf(PeftException.class).hasMessage("--checkpoint-every must be at least 1 (got 0)");
    }

    @Test
    void runJsonReadsBackWhatWasWritten() {
        RunManifest written = manifest(7);
        written.write(directory);

        assertThat(RunManifest.read(directory)).isEqualTo(written);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "checkpoint_every_steps|-5|\"checkpoint_every_steps\" must be at least 1 (got -5; the --checkpoint-every option)",
        "checkpoint_every_steps|\"often\"|\"checkpoint_every_steps\" must be a whole number (got \"often\")",
        "training.learning_rate|-0.01|\"training.learning_rate\" must be a finite number greater than 0 (got -0.01; the --lr option)",
        "training.learning_rate|\"fast\"|\"training.learning_rate\" must be a number (got \"fast\")",
        "training.epochs|1e20|\"training.epochs\" must be a whole number (got 1.0E20)",
        "training.epochs|10000000000|\"training.epochs\" must be from -2147483648 to 2147483647 (got 10000000000)",
        "training.batch_size|0|\"training.batch_size\" must be at least 1 (got 0; the --batch-size option)",
        "training.gradient_accumulation|2.5|\"training.gradient_accumulation\" must be a whole number (got 2.5)",
        "training.max_steps|-1|\"training.max_steps\" must be at least 1 (got -1; the --steps option)",
        "training.max_grad_norm|-1|\"training.max_grad_norm\" must be a finite number of at least 0",
        "training.weight_decay|-1|\"training.weight_decay\" must be a finite number of at least 0",
        "training.warmup_steps|-1|\"training.warmup_steps\" must be at least 0 (got -1; the --warmup option)",
        "training.eval_every_steps|-1|\"training.eval_every_steps\" must be at least 0",
        "training.early_stopping_patience|-1|\"training.early_stopping_patience\" must be at least 0",
        "training.schedule|\"cosine\"|\"training.schedule\" must be constant or linear (got \"cosine\")",
        "training.shuffle|\"yes\"|\"training.shuffle\" must be true or false (got \"yes\")",
        "training.seed|null|lacks \"training.seed\"",
        "frozen_precision|\"fp8\"|\"frozen_precision\" must be fp32 or bf16 (got \"fp8\")",
        "training|3|\"training\" must be a JSON object",
        "settings|[]|\"settings\" must be a JSON object",
        "settings|{\"length\": [3]}|\"settings.length\" must be a string (got [3])",
        "model|7|\"model\" must be a string (got 7)"})
    void aHandEditedRunJsonIsAMalformedConfigNamingTheField(String field, String value, String message) throws IOException {
        manifest(7).write(directory);
        Path file = directory.resolve(RunManifest.FILE_NAME);
        ObjectNode json = (ObjectNode) JSON.readTree(file.toFile());
        ObjectNode parent = field.startsWith("training.") ? (ObjectNode) json.get("training") : json;
        parent.set(JsonFields.key(field), JSON.readTree(value));
        Files.writeString(file, json.toPrettyString());

        assertThatThrownBy(() -> RunManifest.read(directory))
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.MALFORMED_CONFIG.toErrorCode()))
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining(message)
                .hasMessageContaining("correct it")
                .hasMessageNotContaining("java.");
    }

    @Test
    void aMethodSettingEditedInAsANumberMeansTheSame() throws IOException {
        manifest(7).write(directory);
        Path file = directory.resolve(RunManifest.FILE_NAME);
        String json = Files.readString(file);
        assertThat(json).contains("\"length\" : \"3\"");
        Files.writeString(file, json.replace("\"length\" : \"3\"", "\"length\" : 3"));

        assertThat(RunManifest.read(directory).settings()).containsEntry("length", "3");
    }

    @Test
    void aRunJsonThatIsNotJsonIsAMalformedConfig() throws IOException {
        Files.writeString(directory.resolve(RunManifest.FILE_NAME), "{\"model\": ");

        assertThatThrownBy(() -> RunManifest.read(directory)).isInstanceOf(PeftException.class)
                .hasMessageStartingWith(directory.resolve(RunManifest.FILE_NAME) + " is not valid JSON");
    }

    private static TrainingConfig config(String setting, String value) {
        double number = Double.parseDouble(value);
        long whole = (long) number;
        return new TrainingConfig(setting.equals("lr") ? number : 1e-3, TrainingConfig.Schedule.LINEAR, setting.equals("warmup") ? whole : 0,
                setting.equals("epochs") ? (int) whole : 1, setting.equals("steps") ? OptionalLong.of(whole) : OptionalLong.empty(),
                setting.equals("batch") ? (int) whole : 2, setting.equals("accumulation") ? (int) whole : 1, setting.equals("clip") ? number : 1.0,
                setting.equals("decay") ? number : 0, true, 1, setting.equals("eval") ? whole : 0, setting.equals("patience") ? (int) whole : 0);
    }

    private RunManifest manifest(long checkpointEvery) {
        TrainingConfig training = new TrainingConfig(1e-3, TrainingConfig.Schedule.LINEAR, 2, 3, OptionalLong.of(40), 4, 2, 1.0, 0.01, true, 5, 10, 2);
        return new RunManifest(directory.resolve("model").toAbsolutePath(), "prefix", Map.of("length", "3"), training,
                directory.resolve("data.jsonl").toAbsolutePath(), Optional.empty(), Optional.empty(), OptionalInt.empty(), checkpointEvery,
                FrozenWeightPrecision.FP32);
    }
}
