package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.core.safetensors.SafetensorsFixtures;
import io.github.peft4j.core.tokenizer.Gpt2StyleVocabulary;
import io.github.peft4j.core.tokenizer.TokenizerFiles;
import io.github.peft4j.testing.BadModelFiles;
import io.github.peft4j.testing.FixtureFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * forward, train and generate on model directories broken in one way each: every run is a user error (exit 2, the
 * code on stderr's first line, no stack trace) whose message names the broken file.
 */
final class TestBadModelFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path directory;

    private static Path model;
    private static Path data;

    @BeforeAll
    static void createModelAndData() throws IOException {
        model = directory.resolve("good");
        CliRun.succeeds("init-model", "--arch", "gpt2", "--preset", "tiny", "--vocab", "300", "--seed", "4", "--out", model.toString());
        data = directory.resolve("data.jsonl");
        Files.writeString(data, "{\"source\": [1, 2, 3], \"target\": [4, 5]}\n{\"source\": [6, 7], \"target\": [8, 9]}\n");
    }

    static Stream<Arguments> badModels() {
        return Stream.of(
                bad("overlapping tensors", "MALFORMED_CHECKPOINT", "model.safetensors", "overlap",
                        dir -> editHeader(dir, header -> header.set("h.0.ln_1.bias", header.get("h.0.ln_1.weight").deepCopy()))),
                bad("element count overflow", "MALFORMED_CHECKPOINT", "model.safetensors", "overflows 64 bits",
                        dir -> editHeader(dir, header -> ((ObjectNode) header.get("wpe.weight")).putArray("shape").add(1L << 32).add(1L << 32))),
                bad("byte size overflow", "MALFORMED_CHECKPOINT", "model.safetensors", "more bytes than fit in 64 bits",
                        dir -> editHeader(dir, header -> ((ObjectNode) header.get("wpe.weight")).putArray("shape").add(1L << 62))),
                bad("negative dim", "MALFORMED_CHECKPOINT", "model.safetensors", "integers >= 0",
                        dir -> editHeader(dir, header -> ((ObjectNode) header.get("wpe.weight")).putArray("shape").add(-128).add(-64))),
                bad("header not an object", "MALFORMED_CHECKPOINT", "model.safetensors", "not a JSON object",
                        dir -> SafetensorsFixtures.writeRaw(dir.resolve("model.safetensors"), "[]")),
                bad("NaN weight", "MALFORMED_CHECKPOINT", "'h.1.attn.c_attn.weight'", "non-finite",
                        dir -> SafetensorsFixtures.overwriteFloat(dir.resolve("model.safetensors"), "h.1.attn.c_attn.weight", 3, Float.NaN)),
                bad("n_layer 2147483647", "SHAPE_MISMATCH", "config.json", "\"n_layer\" is 2147483647",
                        dir -> BadModelFiles.editConfig(dir, config -> config.put("n_layer", Integer.MAX_VALUE))),
                bad("n_embd disagreeing with wte", "SHAPE_MISMATCH", "config.json", "\"n_embd\" is 128",
                        dir -> BadModelFiles.editConfig(dir, config -> config.put("n_embd", 128))),
                bad("n_head of the wrong type", "MALFORMED_CONFIG", "config.json", "\"n_head\" must be an integer",
                        dir -> BadModelFiles.editConfig(dir, config -> config.put("n_head", "4"))),
                bad("broken tokenizer.json", "MALFORMED_CONFIG", "tokenizer.json", "not valid JSON",
                        dir -> write(dir.resolve(TokenizerFiles.TOKENIZER_JSON), "{\"model\": {")),
                bad("tokenizer.json of the wrong structure", "MALFORMED_CONFIG", "tokenizer.json", "no model.vocab",
                        dir -> write(dir.resolve(TokenizerFiles.TOKENIZER_JSON), "{\"model\": [1, 2]}")),
                bad("broken vocab.json", "MALFORMED_CONFIG", "vocab.json", "not valid JSON", dir -> {
                    writeTokenizer(dir);
                    write(dir.resolve(TokenizerFiles.VOCAB_JSON), "{\"a\": 0,");
                }),
                bad("broken merges.txt", "MALFORMED_CONFIG", "merges.txt", "line 2", dir -> {
                    writeTokenizer(dir);
                    write(dir.resolve(TokenizerFiles.MERGES_TXT), "#version: 0.2\nno-space-here\n");
                }),
                bad("shard index naming a missing shard", "FILE_NOT_FOUND", "model.safetensors.index.json", "model-00002-of-00002.safetensors",
                        dir -> shard(dir, "{\"weight_map\": {\"wte.weight\": \"model-00001-of-00002.safetensors\","
                                + " \"wpe.weight\": \"model-00002-of-00002.safetensors\"}}")),
                bad("a tensor in two shards", "MALFORMED_CHECKPOINT", "model.safetensors.index.json", "two shards", dir -> {
                    copy(dir.resolve("model.safetensors"), dir.resolve("model-00002-of-00002.safetensors"));
                    shard(dir, "{\"weight_map\": {\"wte.weight\": \"model-00001-of-00002.safetensors\","
                            + " \"wpe.weight\": \"model-00002-of-00002.safetensors\"}}");
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badModels")
    void forwardTrainAndGenerateRefuseTheModelNamingTheFile(String kind, String code, String file, String problem, Consumer<Path> breakIt) {
        Path bad = copyOfGoodModel(kind);
        breakIt.accept(bad);

        String forward = CliRun.of("forward", "--model", bad.toString(), "--ids", "1,2,3", "--out", bad.resolve("logits.safetensors").toString())
                .assertUserError(code);
        String train = CliRun.of("train", "--model", bad.toString(), "--data", data.toString(), "--steps", "1", "--batch-size", "2",
                "--out", bad.resolve("run").toString()).assertUserError(code);
        String generate = CliRun.of("generate", "--model", bad.toString(), "--ids", "5,6,7", "--max-new-tokens", "2").assertUserError(code);

        for (String message : new String[] {forward, train, generate}) {
            assertThat(message).contains(file, problem);
        }
        assertThat(bad.resolve("logits.safetensors")).doesNotExist();
    }

    private static Arguments bad(String kind, String code, String file, String problem, Consumer<Path> breakIt) {
        return Arguments.of(kind, code, file, problem, breakIt);
    }

    private static Path copyOfGoodModel(String kind) {
        return FixtureFiles.copyDirectory(model, directory.resolve(kind.replaceAll("[^a-zA-Z0-9]+", "-")));
    }

    /** Rewrites the header of the directory's model.safetensors, keeping its data bytes. */
    private static void editHeader(Path dir, Consumer<ObjectNode> edit) {
        Path file = dir.resolve("model.safetensors");
        try {
            byte[] bytes = Files.readAllBytes(file);
            int headerLength = Math.toIntExact(ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
            ObjectNode header = (ObjectNode) JSON.readTree(new String(bytes, 8, headerLength, StandardCharsets.UTF_8));
            edit.accept(header);
            SafetensorsFixtures.writeRaw(file, header.toString(), Arrays.copyOfRange(bytes, 8 + headerLength, bytes.length));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces the single file by shard 1 (the same bytes) and the given index. */
    private static void shard(Path dir, String index) {
        Path first = dir.resolve("model-00001-of-00002.safetensors");
        if (!Files.exists(first)) {
            copy(dir.resolve("model.safetensors"), first);
        }
        try {
            Files.delete(dir.resolve("model.safetensors"));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        write(dir.resolve("model.safetensors.index.json"), index);
    }

    private static void writeTokenizer(Path dir) {
        TokenizerFiles.writeByteLevelBpe(dir, Gpt2StyleVocabulary.vocab(), Gpt2StyleVocabulary.MERGES);
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
