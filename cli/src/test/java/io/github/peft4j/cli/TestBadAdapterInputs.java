package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.format.LayerPrefixes;
import io.github.peft4j.core.format.PrefixFiles;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.testing.BadAdapterFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * forward/generate --adapter DIR, --prefix FILE and train --init FILE --prefix-length N with what a hostile user
 * gives them: every one a user error (exit 2) whose message names the file, tensor or option and what to do.
 */
final class TestBadAdapterInputs {
    /** The tiny model: 1 layer, hidden 64 (4 heads of 16), 128 positions. */
    private static final ModelGeometry GEOMETRY = new ModelGeometry("gpt2", 0, 1, 4, 16, 64, 300, 128);
    private static final int ROW_WIDTH = 2 * 64;

    @TempDir
    static Path directory;

    private static Path model;
    private static Path data;
    private static int cases;

    @BeforeAll
    static void createModelAndData() throws IOException {
        model = directory.resolve("model");
        CliRun.succeeds("init-model", "--arch", "gpt2", "--preset", "tiny", "--layers", "1", "--vocab", "300", "--seed", "4", "--out", model.toString());
        data = directory.resolve("data.jsonl");
        Files.writeString(data, "{\"source\": [1, 2, 3], \"target\": [4, 5]}\n{\"source\": [6, 7], \"target\": [8, 9, 10]}\n");
    }

    /** A fresh path for one case: {@code name} numbered. */
    private static Path fresh(String name) {
        return directory.resolve(cases++ + "-" + name);
    }

    /** A PEFT prefix-tuning directory of 2 virtual tokens for the tiny model, as 'peft4j export' writes it. */
    private static Path prefixDirectory() {
        Path adapter = fresh("prefix");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            manager.getEngine().setRandomSeed(3);
            NDArray rows = manager.randomNormal(0, 1, new Shape(2, ROW_WIDTH), DataType.FLOAT32);
            PrefixFiles.writePeftDirectory(adapter, LayerPrefixes.fromRows(rows, GEOMETRY, AttentionSite.DECODER_SELF, 2), GEOMETRY, "gpt2");
        }
        return adapter;
    }

    /** A Hugging Face PEFT prompt-tuning directory of 2 virtual input embeddings for the tiny model. */
    private static Path promptTuningDirectory() throws IOException {
        Path adapter = fresh("prompt");
        Files.createDirectories(adapter);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            SafetensorsWriter.write(adapter.resolve(PrefixFiles.PEFT_WEIGHTS), Map.of(PrefixFiles.PROMPT_EMBEDDINGS, manager.randomNormal(new Shape(2, 64))),
                    Map.of("format", "pt"));
        }
        Files.writeString(adapter.resolve(PrefixFiles.PEFT_CONFIG), "{\"peft_type\": \"PROMPT_TUNING\", \"task_type\": \"CAUSAL_LM\", \"num_virtual_tokens\": 2,"
                + " \"token_dim\": 64, \"num_transformer_submodules\": 1}");
        return adapter;
    }

    /** A per-layer raw prefix file of {@code length} virtual tokens. */
    private static Path layerFile(int length, Map<String, String> metadata) {
        Path file = fresh("layers.safetensors");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            KeyValuePrefix layer = new KeyValuePrefix(manager.randomNormal(new Shape(1, 4, length, 16)), manager.randomNormal(new Shape(1, 4, length, 16)));
            SafetensorsWriter.write(file, Map.of("prefix.layers.0.key", layer.keys(), "prefix.layers.0.value", layer.values()), metadata);
        }
        return file;
    }

    /** A starting file of a flat prefix (mlp-width 0) of 2 virtual tokens. */
    private static Path initFile() {
        Path file = fresh("init.safetensors");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            SafetensorsWriter.write(file, Map.of("prefix_module.embedding.weight", manager.randomNormal(new Shape(2, ROW_WIDTH))), Map.of());
        }
        return file;
    }

    private static CliRun forward(String option, Path adapter, Path out) {
        return CliRun.of("forward", "--model", model.toString(), "--ids", "5,6,7", "--out", out.toString(), option, adapter.toString());
    }

    @Test
    void aDecoderOnlyPeftDirectoryOnAnEncoderDecoderModelIsNamedAsTheAdapterGiven() {
        Path bart = fresh("bart");
        CliRun.succeeds("init-model", "--arch", "bart", "--layers", "1", "--seed", "1", "--out", bart.toString());
        Path adapter = prefixDirectory();

        String message = CliRun.of("forward", "--model", bart.toString(), "--adapter", adapter.toString(), "--ids", "1,2", "--out",
                fresh("logits").toString()).assertUserError("INVALID_ARGUMENT");

        assertThat(message).contains(adapter + " is a Hugging Face PEFT prefix-tuning directory", "decoder-only", "bart model is encoder-decoder")
                .doesNotContain("init-file");
    }

    private static String forwardError(String option, Path adapter, String code) {
        Path out = fresh("logits");
        String message = forward(option, adapter, out).assertUserError(code);
        assertThat(out).as("a refused run writes no output").doesNotExist();
        return message;
    }

    private static CliRun train(String... options) {
        String[] args = Stream.concat(Stream.of("train", "--model", model.toString(), "--data", data.toString(), "--steps", "1", "--out",
                fresh("run").toString()), Stream.of(options)).toArray(String[]::new);
        return CliRun.of(args);
    }

    @Test
    void forwardRefusesAdapterConfigsWithUnknownOrMalformedValues() throws IOException {
        Path lora = prefixDirectory();
        BadAdapterFiles.editConfig(lora.resolve(PrefixFiles.PEFT_CONFIG), json -> json.put("peft_type", "LORA"));
        assertThat(forwardError("--adapter", lora, "MALFORMED_CONFIG")).contains(lora.resolve(PrefixFiles.PEFT_CONFIG).toString(), "\"peft_type\": \"LORA\"",
                "PREFIX_TUNING and PROMPT_TUNING");

        Path task = prefixDirectory();
        BadAdapterFiles.editConfig(task.resolve(PrefixFiles.PEFT_CONFIG), json -> json.put("task_type", "SEQ_CLS"));
        assertThat(forwardError("--adapter", task, "MALFORMED_CONFIG")).contains("\"task_type\": \"SEQ_CLS\"; expected \"CAUSAL_LM\"");

        Path own = prefixDirectory();
        Files.writeString(own.resolve(PrefixFiles.PEFT_CONFIG), "{\"peft4j_method\": \"prefix\", \"parts\": \"peft\", \"positions\": \"sideways\"}");
        assertThat(forwardError("--adapter", own, "MALFORMED_CONFIG")).contains(own.resolve(PrefixFiles.PEFT_CONFIG).toString(),
                "\"positions\": \"sideways\"; expected peft or zero");

        Path infix = prefixDirectory();
        Files.writeString(infix.resolve(PrefixFiles.PEFT_CONFIG), "{\"peft4j_method\": \"infix\", \"num_virtual_tokens\": 2, \"token_dim\": 64,"
                + " \"num_layers\": 1, \"num_attention_heads\": 4, \"boundary\": 7}");
        assertThat(forwardError("--adapter", infix, "MALFORMED_CONFIG")).contains("\"boundary\": 7; expected separator or target");

        Path unknown = prefixDirectory();
        Files.writeString(unknown.resolve(PrefixFiles.PEFT_CONFIG), "{\"peft4j_method\": \"tied-prefix\"}");
        assertThat(forwardError("--adapter", unknown, "UNKNOWN_PLUGIN")).contains(unknown.resolve(PrefixFiles.PEFT_CONFIG).toString(), "'tied-prefix'",
                "peft4j plugins");

        Path count = prefixDirectory();
        BadAdapterFiles.editConfig(count.resolve(PrefixFiles.PEFT_CONFIG), json -> json.put("num_virtual_tokens", 2.5));
        assertThat(forwardError("--adapter", count, "MALFORMED_CONFIG")).contains("\"num_virtual_tokens\": 2.5; expected a whole number >= 1");

        Path notJson = prefixDirectory();
        Files.writeString(notJson.resolve(PrefixFiles.PEFT_CONFIG), "{\"peft_type\": ");
        assertThat(forwardError("--adapter", notJson, "MALFORMED_CONFIG")).contains(notJson.resolve(PrefixFiles.PEFT_CONFIG) + " is not valid JSON (",
                "line 1");
    }

    @Test
    void forwardRefusesAdapterTensorsThatAreNotFiniteFloatingPoint() throws IOException {
        Path nan = prefixDirectory();
        BadAdapterFiles.setFirst(nan.resolve(PrefixFiles.PEFT_WEIGHTS), PrefixFiles.PROMPT_EMBEDDINGS, Float.NaN);
        assertThat(forwardError("--adapter", nan, "MALFORMED_CHECKPOINT")).contains("tensor 'prompt_embeddings' of " + nan.resolve(PrefixFiles.PEFT_WEIGHTS),
                "non-finite", "Use another file");

        Path integers = promptTuningDirectory();
        BadAdapterFiles.retype(integers.resolve(PrefixFiles.PEFT_WEIGHTS), PrefixFiles.PROMPT_EMBEDDINGS, DataType.INT64);
        assertThat(forwardError("--adapter", integers, "MALFORMED_CHECKPOINT")).contains("Tensor 'prompt_embeddings' of "
                + integers.resolve(PrefixFiles.PEFT_WEIGHTS) + " holds I64 values", "floating point");

        Path infinite = promptTuningDirectory();
        BadAdapterFiles.setFirst(infinite.resolve(PrefixFiles.PEFT_WEIGHTS), PrefixFiles.PROMPT_EMBEDDINGS, Float.POSITIVE_INFINITY);
        String message = CliRun.of("generate", "--model", model.toString(), "--ids", "5,6,7", "--max-new-tokens", "2", "--adapter", infinite.toString())
                .assertUserError("MALFORMED_CHECKPOINT");
        assertThat(message).contains("tensor 'prompt_embeddings' of " + infinite.resolve(PrefixFiles.PEFT_WEIGHTS), "non-finite");

        Path tooLong = prefixDirectory();
        BadAdapterFiles.editConfig(tooLong.resolve(PrefixFiles.PEFT_CONFIG), json -> json.put("num_virtual_tokens", 128));
        assertThat(forwardError("--adapter", tooLong, "INVALID_ARGUMENT")).contains("says num_virtual_tokens = 128", "the model has 128 positions");
    }

    @Test
    void float64PromptEmbeddingsGiveTheLogitsOfTheFloat32Ones() throws IOException {
        for (Path float32 : new Path[] {prefixDirectory(), promptTuningDirectory()}) {
            Path float64 = fresh("f64");
            Files.createDirectories(float64);
            for (String file : new String[] {PrefixFiles.PEFT_CONFIG, PrefixFiles.PEFT_WEIGHTS}) {
                Files.copy(float32.resolve(file), float64.resolve(file));
            }
            BadAdapterFiles.retype(float64.resolve(PrefixFiles.PEFT_WEIGHTS), PrefixFiles.PROMPT_EMBEDDINGS, DataType.FLOAT64);
            assertThat(logits("--adapter", float64)).as("%s in F64", float32).containsExactly(logits("--adapter", float32));
        }
    }

    private static float[] logits(String option, Path adapter) {
        Path out = fresh("logits");
        CliRun run = forward(option, adapter, out);
        assertThat(run.exitCode()).as(run.err()).isZero();
        try (NDManager manager = NDManager.newBaseManager("PyTorch"); SafetensorsFile file = SafetensorsFile.open(out)) {
            return file.load("logits", manager).toFloatArray();
        }
    }

    @Test
    void rawPrefixFilesAreCheckedForValuesShapesAndMetadata() {
        Path good = layerFile(2, Map.of());
        assertThat(logits("--prefix", good)).isNotEmpty();

        Path nan = layerFile(2, Map.of());
        BadAdapterFiles.setFirst(nan, "prefix.layers.0.value", Float.NaN);
        assertThat(forwardError("--prefix", nan, "MALFORMED_CHECKPOINT")).contains("tensor 'prefix.layers.0.value' of " + nan, "non-finite");

        Path flat = layerFile(2, Map.of());
        BadAdapterFiles.changeTensor(flat, "prefix.layers.0.key", key -> key.reshape(8, 16));
        assertThat(forwardError("--prefix", flat, "SHAPE_MISMATCH")).contains("Tensor 'prefix.layers.0.key' of " + flat, "[8, 16]", "[1, 4, P, 16]");

        Path positions = layerFile(2, Map.of("pos_mode", "sideways"));
        assertThat(forwardError("--prefix", positions, "MALFORMED_CHECKPOINT")).contains(positions.toString(), "pos_mode 'sideways'", "peft", "zero");

        Path tooLong = layerFile(128, Map.of());
        assertThat(forwardError("--prefix", tooLong, "INVALID_ARGUMENT")).contains(tooLong + " holds 128 virtual tokens", "128 positions");

        assertThat(forwardError("--prefix", directory.resolve("absent.safetensors"), "FILE_NOT_FOUND")).contains("--prefix", "absent.safetensors",
                "does not exist");
    }

    @Test
    void trainRefusesInitFilesWithBadTensorsAtLoadNotAsADivergedLoss() {
        Path nan = initFile();
        BadAdapterFiles.setFirst(nan, "prefix_module.embedding.weight", Float.NaN);
        String message = train("--init", nan.toString()).assertUserError("MALFORMED_CHECKPOINT");
        assertThat(message).contains("tensor 'prefix_module.embedding.weight' of " + nan, "non-finite").doesNotContain("learning rate", "--lr");

        Path scalar = fresh("scalar.safetensors");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            SafetensorsWriter.write(scalar, Map.of("prefix_module.embedding.weight", manager.create(1f)), Map.of());
        }
        assertThat(train("--init", scalar.toString()).assertUserError("SHAPE_MISMATCH")).contains("Tensor 'prefix_module.embedding.weight' of " + scalar,
                "0 dimensions");

        Path huge = fresh("huge.safetensors");
        BadAdapterFiles.writeRawTensor(huge, "prefix_module.embedding.weight", "F32", "[4611686018427387904, 0]", 0);
        assertThat(train("--init", huge.toString()).assertUserError("MALFORMED_CHECKPOINT")).contains("'prefix_module.embedding.weight' of " + huge);

        Path integers = initFile();
        BadAdapterFiles.retype(integers, "prefix_module.embedding.weight", DataType.INT64);
        assertThat(train("--init", integers.toString()).assertUserError("MALFORMED_CHECKPOINT")).contains("holds I64 values");

        assertThat(train("--init", initFile().toString(), "--prefix-length", "3").assertUserError("INVALID_ARGUMENT"))
                .contains("length = 3 (--prefix-length, --lengths or --set length) contradicts init-file", "which gives 2");
    }

    @Test
    void trainRefusesPrefixLengthsAndMlpWidthsThatCannotFitByTheirOption() {
        assertThat(train("--prefix-length", "2000000000").assertUserError("INVALID_ARGUMENT")).contains("length = 2000000000 (--prefix-length, --lengths or --set length)",
                "128 positions", "lower length (--prefix-length, --lengths or --set length): at most 127");
        // Found by the first batch, once training has begun (so after train's progress lines): still a user error naming the option.
        CliRun rowsTooLong = train("--prefix-length", "125", "--mlp-width", "0");
        assertThat(rowsTooLong.exitCode()).as(rowsTooLong.err()).isEqualTo(2);
        assertThat(rowsTooLong.err().lines().filter(line -> line.startsWith("SHAPE_MISMATCH: ")).findFirst()).get().asString()
                .contains("real tokens numbered from 125", "lower the adapter's virtual tokens (setting length, train's --prefix-length)");
        assertThat(rowsTooLong.err()).doesNotContain("\tat ");
        assertThat(train("--mlp-width", "2000000000").assertUserError("OUT_OF_MEMORY")).contains("mlp-width = 2000000000 (--mlp-width or --set mlp-width)",
                "more than one array can index", "lower mlp-width (--mlp-width or --set mlp-width): at most 16,777,215");
        assertThat(train("--set", "length=3000000000").assertUserError("INVALID_ARGUMENT")).contains("length = 3000000000 (--prefix-length, --lengths or --set length) is too large")
                .doesNotContain("must be");
    }

    @Test
    void trainRefusesAPrefixThatCannotFitInMemorySayingHowMuchItNeeds() {
        long heapBytes = 4L * (16_000_000L * (64 + 1 + ROW_WIDTH) + 10 * 64 + ROW_WIDTH);
        assumeThat(Runtime.getRuntime().maxMemory()).as("this JVM's heap cannot hold the starting values").isLessThan(heapBytes);
        assertThat(train("--mlp-width", "16000000").assertUserError("OUT_OF_MEMORY")).contains("mlp-width = 16000000 (--mlp-width or --set mlp-width)", "needs about",
                "GiB", "lower mlp-width (--mlp-width or --set mlp-width)");
    }
}
