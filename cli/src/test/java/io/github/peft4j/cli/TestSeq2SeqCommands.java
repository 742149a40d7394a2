package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.peft4j.core.tokenizer.Gpt2StyleVocabulary;
import io.github.peft4j.core.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue #8's last point: train, predict and evaluate (ROUGE-1/2/L) with BART on a small self-made XSUM fixture. */
final class TestSeq2SeqCommands {
    private static final List<String> SOURCES = List.of("Hello world Hello", "world Hello world", "Hello Hello world", "world world Hello");
    private static final List<String> TARGETS = List.of("Hello world", "world Hello", "Hello", "world");

    @TempDir
    Path directory;

    /**
     * A BART-style byte-level vocabulary: {@code <s>} = 0, {@code <pad>} = 1, {@code </s>} = 2, {@code <unk>} = 3,
     * then the test vocabulary's byte characters and merged tokens.
     */
    static Map<String, Integer> bartVocabulary() {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String special : List.of("<s>", "<pad>", "</s>", "<unk>")) {
            vocab.put(special, vocab.size());
        }
        Gpt2StyleVocabulary.vocab().keySet().stream().filter(token -> !token.equals(Gpt2StyleVocabulary.END_OF_TEXT))
                .forEach(token -> vocab.put(token, vocab.size()));
        return vocab;
    }

    @Test
    void trainPredictEvaluateBartOnAnXsumFixture() throws IOException {
        Map<String, Integer> vocab = bartVocabulary();
        Path model = directory.resolve("model");
        CliRun init = CliRun.of("init-model", "--arch", "bart", "--preset", "tiny", "--vocab", Integer.toString(vocab.size()), "--seed", "3",
                "--out", model.toString());
        assertThat(init.exitCode()).as(init.err()).isZero();
        TokenizerFiles.writeByteLevelBpe(model, vocab, Gpt2StyleVocabulary.MERGES);
        Path data = directory.resolve("xsum");
        Files.createDirectories(data);
        for (String split : List.of("train", "dev", "test")) {
            Files.write(data.resolve(split + ".source"), SOURCES);
            Files.write(data.resolve(split + ".target"), TARGETS);
        }
        Path run = directory.resolve("run");

        CliRun train = CliRun.of("train", "--model", model.toString(), "--dataset", "xsum", "--data", data.toString(), "--method", "prefix",
                "--prefix-length", "2", "--mlp-width", "16", "--lr", "0.01", "--steps", "3", "--batch-size", "2", "--out", run.toString());
        assertThat(train.exitCode()).as(train.err()).isZero();
        assertThat(train.out()).contains("step 3 loss");
        JsonNode adapterConfig = new ObjectMapper().readTree(run.resolve("adapter/adapter_config.json").toFile());
        assertThat(adapterConfig.get("peft4j_method").asText()).isEqualTo("prefix");
        assertThat(adapterConfig.get("parts").asText()).isEqualTo("liliang");
        assertThat(run.resolve("best/adapter_config.json")).as("the dev split was evaluated").exists();

        Path predictions = directory.resolve("predictions.txt");
        CliRun predict = CliRun.of("predict", "--model", model.toString(), "--adapter", run.resolve("adapter").toString(), "--dataset", "xsum",
                "--data", data.toString(), "--split", "test", "--beams", "2", "--max-new-tokens", "6", "--min-new-tokens", "1", "--out", predictions.toString());
        assertThat(predict.exitCode()).as(predict.err()).isZero();
        List<String> lines = Files.readAllLines(predictions);
        assertThat(lines).hasSize(4);
        assertThat(lines).noneMatch(line -> line.contains("<s>") || line.contains("</s>") || line.contains("<pad>"));

        CliRun evaluate = CliRun.of("evaluate", "--dataset", "xsum", "--data", data.toString(), "--predictions", predictions.toString());
        assertThat(evaluate.exitCode()).as(evaluate.err()).isZero();
        JsonNode scores = new ObjectMapper().readTree(evaluate.out());
        assertThat(scores.has("rouge1")).as(evaluate.out()).isTrue();
        assertThat(scores.has("rouge2")).isTrue();
        assertThat(scores.has("rougeL")).isTrue();
    }
}
