package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.peft4j.core.format.LayerPrefixes;
import io.github.peft4j.core.format.PrefixFiles;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.ModelGeometry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * generate --requests and predict --row-adapters with several named adapters: every row decodes what a separate run
 * with its adapter alone decodes, and the ways to get it wrong are user errors that write nothing.
 */
final class TestMixedAdapterCommands {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path directory;

    private static Path model;
    /** Adapter directories by name: a, b and c have prefix length 2, "long" has 4. */
    private static Map<String, Path> adapters;
    private static ModelGeometry geometry;

    @BeforeAll
    static void createModelAndAdapters() throws IOException {
        model = CliModels.gpt2WithTokenizer(directory.resolve("model"));
        geometry = geometryOf(model);
        adapters = Map.of("a", randomAdapter("a", geometry, 2, 1), "b", randomAdapter("b", geometry, 2, 2), "c", randomAdapter("c", geometry, 2, 3),
                "long", randomAdapter("long", geometry, 4, 4));
    }

    @Test
    void generateRequestsDecodeAsSeparateRunsWithEachRequestsAdapter() throws IOException {
        List<String> requests = List.of(
                "{\"ids\": [5, 6, 7], \"adapter\": \"a\"}",
                "{\"prompt\": \"Hello world\", \"adapter\": \"b\"}",
                "{\"source\": \"name : Hello\", \"adapter\": \"c\"}",
                "{\"ids\": [5, 6, 7], \"adapter\": \"c\"}",
                "{\"ids\": [5, 6, 7]}",
                "{\"prompt\": \"Hello world\", \"adapter\": \"long\"}",
                "",
                "{\"ids\": [5, 6, 7], \"adapter\": \"b\"}");
        Path file = directory.resolve("requests.jsonl");
        Files.write(file, requests);
        List<String> decoding = List.of("--beams", "3", "--num-return", "2", "--max-new-tokens", "5", "--min-new-tokens", "5");

        CliRun mixed = CliRun.of(concat(List.of("generate", "--model", model.toString(), "--requests", file.toString(), "--batch-size", "4",
                "--adapter", "a=" + adapters.get("a"), "--adapter", "b=" + adapters.get("b"), "--prefix", "c=" + adapters.get("c"),
                "--adapter", "long=" + adapters.get("long")), decoding));

        assertThat(mixed.exitCode()).as(mixed.err()).isZero();
        List<String> lines = mixed.out().lines().toList();
        assertThat(lines).hasSize(7);
        List<String> bestOfIds = new ArrayList<>();
        int index = 0;
        for (int line = 1; line <= requests.size(); line++) {
            String request = requests.get(line - 1);
            if (request.isEmpty()) {
                continue;
            }
            JsonNode output = JSON.readTree(lines.get(index++));
            assertThat(output.get("line").asInt()).isEqualTo(line);
            JsonNode json = JSON.readTree(request);
            List<String> alone = new ArrayList<>(List.of("generate", "--model", model.toString()));
            json.fields().forEachRemaining(field -> {
                alone.add(field.getKey().equals("adapter") ? "--adapter" : "--" + field.getKey());
                alone.add(field.getKey().equals("adapter") ? adapters.get(field.getValue().asText()).toString()
                        : field.getValue().isArray() ? field.getValue().toString().replaceAll("[\\[\\] ]", "") : field.getValue().asText());
            });
            CliRun single = CliRun.of(concat(alone, decoding));
            assertThat(single.exitCode()).as(single.err()).isZero();
            List<String> expected = new ArrayList<>();
            for (JsonNode sequence : output.get("outputs")) {
                expected.add(String.format(Locale.ROOT, "[%.4f] %s", sequence.get("score").asDouble(), sequence.get("text").asText()));
            }
            assertThat(single.out().lines().toList()).as("request on line %d", line).isEqualTo(expected);
            if (json.has("ids")) {
                bestOfIds.add(output.get("outputs").get(0).get("ids").toString());
            }
        }
        assertThat(new HashSet<>(bestOfIds)).as("one prompt under adapters a, c, none and b: the adapters matter").hasSizeGreaterThan(1);
    }

    @Test
    void predictWithRowAdaptersWritesWhatSeparateSingleAdapterRunsWrite() throws IOException {
        Path data = dataset();
        Path rowAdapters = directory.resolve("row-adapters.txt");
        List<String> names = List.of("a", "b", "", "long", "a");
        Files.write(rowAdapters, names);
        List<String> decoding = List.of("--dataset", "jsonl", "--data", data.toString(), "--beams", "2", "--max-new-tokens", "4", "--min-new-tokens", "4",
                "--batch-size", "2");
        Path mixedOut = directory.resolve("mixed.txt");

        CliRun mixed = CliRun.of(concat(List.of("predict", "--model", model.toString(), "--row-adapters", rowAdapters.toString(), "--out", mixedOut.toString(),
                "--adapter", "a=" + adapters.get("a"), "--adapter", "b=" + adapters.get("b"), "--adapter", "long=" + adapters.get("long")), decoding));

        assertThat(mixed.exitCode()).as(mixed.err()).isZero();
        assertThat(mixed.out()).contains("predicted 5/5 sources");
        List<String> predictions = Files.readAllLines(mixedOut);
        assertThat(predictions).hasSize(5);
        for (String name : new HashSet<>(names)) {
            Path out = directory.resolve("single-" + name + ".txt");
            List<String> arguments = new ArrayList<>(List.of("predict", "--model", model.toString(), "--out", out.toString()));
            if (!name.isEmpty()) {
                arguments.addAll(List.of("--adapter", adapters.get(name).toString()));
            }
            CliRun single = CliRun.of(concat(arguments, decoding));
            assertThat(single.exitCode()).as(single.err()).isZero();
            List<String> alone = Files.readAllLines(out);
            for (int row = 0; row < names.size(); row++) {
                if (names.get(row).equals(name)) {
                    assertThat(predictions.get(row)).as("row %d, adapter '%s'", row, name).isEqualTo(alone.get(row));
                }
            }
        }
        assertThat(Files.readAllLines(directory.resolve("single-a.txt"))).as("the adapters matter").isNotEqualTo(Files.readAllLines(directory.resolve("single-b.txt")));
    }

    @Test
    void unknownNamesAndMalformedRequestsAreUserErrorsNamingTheLine() throws IOException {
        Path unknown = directory.resolve("unknown.jsonl");
        Files.write(unknown, List.of("{\"ids\": [5], \"adapter\": \"a\"}", "{\"ids\": [5], \"adapter\": \"zzz\"}"));
        CliRun run = CliRun.of("generate", "--model", model.toString(), "--requests", unknown.toString(), "--adapter", "a=" + adapters.get("a"));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("INVALID_ARGUMENT:").contains("unknown.jsonl line 2", "'zzz'", "[a]");
        assertThat(run.out()).isEmpty();

        for (String malformed : List.of("{\"ids\": [5]", "{\"ids\": [5], \"prompt\": \"x\"}", "{\"ids\": [5], \"adaptr\": \"a\"}", "{\"ids\": [\"5\"]}", "[5]")) {
            Path file = directory.resolve("malformed.jsonl");
            Files.write(file, List.of("{\"ids\": [5]}", malformed));
            CliRun bad = CliRun.of("generate", "--model", model.toString(), "--requests", file.toString());
            assertThat(bad.exitCode()).as(malformed).isEqualTo(2);
            assertThat(bad.err()).as(malformed).startsWith("MALFORMED_DATASET:").contains("malformed.jsonl line 2");
        }
        Path outOfVocabulary = directory.resolve("vocab.jsonl");
        Files.write(outOfVocabulary, List.of("{\"ids\": [5]}", "{\"ids\": [5, 100000]}"));
        CliRun vocab = CliRun.of("generate", "--model", model.toString(), "--requests", outOfVocabulary.toString());
        assertThat(vocab.exitCode()).isEqualTo(2);
        assertThat(vocab.err()).contains("vocab.jsonl line 2", "100000");
    }

    @Test
    void adaptersForAnotherModelOrBackendAreUserErrors() throws IOException {
        Path requests = directory.resolve("one.jsonl");
        Files.write(requests, List.of("{\"ids\": [5], \"adapter\": \"other\"}"));
        ModelGeometry deeper = new ModelGeometry("gpt2", 0, geometry.decoderLayers() + 1, geometry.heads(), geometry.headDim(), geometry.hiddenSize(),
                geometry.vocabSize(), geometry.maxPositions());
        Path otherModel = randomAdapter("other-model", deeper, 2, 5);

        CliRun run = CliRun.of("generate", "--model", model.toString(), "--requests", requests.toString(), "--adapter", "a=" + adapters.get("a"),
                "--adapter", "other=" + otherModel);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("SHAPE_MISMATCH:").contains("num_layers", "different base model");

        CliRun bart = CliRun.of("generate", "--model", model.toString(), "--requests", requests.toString(), "--adapter", "other=" + bartAdapter());
        assertThat(bart.exitCode()).as(bart.err()).isEqualTo(2);
        assertThat(bart.err()).contains("encoder-decoder");
    }

    @Test
    void predictRefusesRowAdaptersThatDoNotFitWithoutWritingAnything() throws IOException {
        Path data = dataset();
        Path out = directory.resolve("refused.txt");
        Path unknownName = directory.resolve("unknown-names.txt");
        Files.write(unknownName, List.of("a", "a", "nope", "", ""));
        CliRun unknown = CliRun.of("predict", "--model", model.toString(), "--dataset", "jsonl", "--data", data.toString(), "--out", out.toString(),
                "--row-adapters", unknownName.toString(), "--adapter", "a=" + adapters.get("a"));
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown-names.txt line 3", "'nope'");

        Path tooShort = directory.resolve("too-short.txt");
        Files.write(tooShort, List.of("a", "a"));
        CliRun lines = CliRun.of("predict", "--model", model.toString(), "--dataset", "jsonl", "--data", data.toString(), "--out", out.toString(),
                "--row-adapters", tooShort.toString(), "--adapter", "a=" + adapters.get("a"));
        assertThat(lines.exitCode()).isEqualTo(2);
        assertThat(lines.err()).contains("2 lines", "5 items");

        CliRun namedWithoutRows = CliRun.of("predict", "--model", model.toString(), "--dataset", "jsonl", "--data", data.toString(), "--out", out.toString(),
                "--adapter", "a=" + adapters.get("a"));
        assertThat(namedWithoutRows.exitCode()).isEqualTo(2);
        assertThat(namedWithoutRows.err()).contains("--row-adapters");
        assertThat(out).doesNotExist();
    }

    @Test
    void namedAdaptersNeedPerRowChoicesAndOneDefaultAtMost() {
        CliRun named = CliRun.of("generate", "--model", model.toString(), "--ids", "5", "--adapter", "a=" + adapters.get("a"));
        assertThat(named.exitCode()).isEqualTo(2);
        assertThat(named.err()).contains("--requests");

        CliRun twoDefaults = CliRun.of("generate", "--model", model.toString(), "--ids", "5", "--adapter", adapters.get("a").toString(),
                "--prefix", adapters.get("b").toString());
        assertThat(twoDefaults.exitCode()).isEqualTo(2);
        assertThat(twoDefaults.err()).contains("at most one");

        CliRun sameName = CliRun.of("generate", "--model", model.toString(), "--ids", "5", "--adapter", "a=" + adapters.get("a"),
                "--prefix", "a=" + adapters.get("b"));
        assertThat(sameName.exitCode()).isEqualTo(2);
        assertThat(sameName.err()).contains("'a'", "twice");
    }

    /** A JSON Lines dataset whose test split has 5 distinct sources. */
    private static Path dataset() throws IOException {
        Path data = directory.resolve("data");
        Files.createDirectories(data);
        List<String> rows = new ArrayList<>();
        for (String source : List.of("name : Hello", "name : world", "Hello world", "world", "Hello")) {
            rows.add("{\"source\": \"" + source + "\", \"target\": \"Hello world\"}");
        }
        Files.write(data.resolve("test.jsonl"), rows);
        return data;
    }

    /** A Hugging Face PEFT prefix directory of random values, large enough to steer the random model. */
    private static Path randomAdapter(String name, ModelGeometry shape, int length, int seed) {
        Path adapter = directory.resolve("adapter-" + name);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            manager.getEngine().setRandomSeed(seed);
            NDArray rows = manager.randomNormal(0, 5, new Shape(length, 2L * shape.decoderLayers() * shape.hiddenSize()), DataType.FLOAT32);
            PrefixFiles.writePeftDirectory(adapter, LayerPrefixes.fromRows(rows, shape, AttentionSite.DECODER_SELF, length), shape, "gpt2");
        }
        return adapter;
    }

    /** An encoder-decoder model's prefix in peft4j's own layout (what 'train' exports for BART). */
    private static Path bartAdapter() throws IOException {
        Path adapter = directory.resolve("adapter-bart");
        Files.createDirectories(adapter);
        Files.writeString(adapter.resolve(PrefixFiles.PEFT_CONFIG), "{\"peft4j_method\": \"prefix\", \"parts\": \"liliang\", \"positions\": \"zero\"}");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray rows = manager.zeros(new Shape(2, 2L * geometry.decoderLayers() * geometry.hiddenSize()));
            SafetensorsWriter.write(adapter.resolve(PrefixFiles.PEFT_WEIGHTS), Map.of(
                    "prefix_module.encoder.embedding.weight", rows, "prefix_module.decoder.embedding.weight", rows,
                    "prefix_module.cross.embedding.weight", rows), Map.of("format", "pt"));
        }
        return adapter;
    }

    private static ModelGeometry geometryOf(Path model) throws IOException {
        JsonNode config = JSON.readTree(model.resolve("config.json").toFile());
        int hidden = config.get("n_embd").asInt();
        int heads = config.get("n_head").asInt();
        return new ModelGeometry("gpt2", 0, config.get("n_layer").asInt(), heads, hidden / heads, hidden, config.get("vocab_size").asInt(),
                config.get("n_positions").asInt());
    }

    private static String[] concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all.toArray(String[]::new);
    }
}
