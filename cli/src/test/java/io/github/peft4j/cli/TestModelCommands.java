package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.core.tokenizer.Gpt2StyleVocabulary;
import io.github.peft4j.core.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** init-model, tokenize, forward and generate end to end on a tiny random GPT-2, including their user errors. */
final class TestModelCommands {
    @TempDir
    static Path directory;

    private static Path model;

    @BeforeAll
    static void createModel() {
        model = directory.resolve("tiny");
        CliRun run = CliRun.of("init-model", "--arch", "gpt2", "--preset", "tiny", "--layers", "1", "--vocab", "300", "--seed", "4",
                "--out", model.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
    }

    @Test
    void initModelRefusesToOverwriteWithoutForce() throws IOException {
        Path notAModel = directory.resolve("not-a-model");
        Files.createDirectories(notAModel);
        Files.writeString(notAModel.resolve("config.json"), "{}");

        String message = CliRun.of("init-model", "--arch", "gpt2", "--seed", "1", "--out", notAModel.toString()).assertUserError("OUTPUT_EXISTS");

        assertThat(message).contains(notAModel.toString(), "--force");
        assertThat(notAModel.resolve("config.json")).hasContent("{}");
    }

    @Test
    void forwardWritesLogitsOfTheRightShape() {
        Path out = directory.resolve("logits.safetensors");
        CliRun run = CliRun.of("forward", "--model", model.toString(), "--ids", "1,2,3,299", "--out", out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        try (SafetensorsFile logits = SafetensorsFile.open(out)) {
            assertThat(logits.info("logits").shape().getShape()).containsExactly(1, 4, 300);
        }
    }

    @Test
    void brokenCheckpointIsAUserErrorNamingTheFile() throws IOException {
        Path broken = directory.resolve("broken");
        Files.createDirectories(broken);
        Files.copy(model.resolve("config.json"), broken.resolve("config.json"));
        byte[] weights = Files.readAllBytes(model.resolve("model.safetensors"));
        Files.write(broken.resolve("model.safetensors"), Arrays.copyOf(weights, weights.length / 2));

        CliRun run = CliRun.of("forward", "--model", broken.toString(), "--ids", "1", "--out", directory.resolve("x.safetensors").toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("MALFORMED_CHECKPOINT:").contains("model.safetensors", "truncated");
        assertThat(directory.resolve("x.safetensors")).doesNotExist();
    }

    @Test
    void badIdsAndMismatchedOptionsAreUserErrors() {
        CliRun outOfVocabulary = CliRun.of("forward", "--model", model.toString(), "--ids", "1,300", "--out", directory.resolve("y").toString());
        assertThat(outOfVocabulary.exitCode()).isEqualTo(2);
        assertThat(outOfVocabulary.err()).contains("300", "vocabulary");

        CliRun mask = CliRun.of("forward", "--model", model.toString(), "--ids", "1,2", "--mask", "1", "--out", directory.resolve("y").toString());
        assertThat(mask.exitCode()).isEqualTo(2);
        assertThat(mask.err()).contains("--mask");

        CliRun notANumber = CliRun.of("forward", "--model", model.toString(), "--ids", "1,x", "--out", directory.resolve("y").toString());
        assertThat(notANumber.exitCode()).isEqualTo(2);
    }

    @Test
    void generatePrintsIdsWithoutATokenizerAndRefusesTextPrompts() {
        CliRun ids = CliRun.of("generate", "--model", model.toString(), "--ids", "5,6,7", "--beams", "2", "--max-new-tokens", "4", "--eos-ids", "299");
        assertThat(ids.exitCode()).as(ids.err()).isZero();
        assertThat(ids.out().strip()).matches("\\d+(,\\d+){0,3}");

        CliRun text = CliRun.of("generate", "--model", model.toString(), "--prompt", "hello");
        assertThat(text.exitCode()).isEqualTo(2);
        assertThat(text.err()).startsWith("FILE_NOT_FOUND:").contains("tokenizer");
    }

    @Test
    void tokenizeAndGenerateUseTheModelsTokenizerFiles() {
        Map<String, Integer> vocab = Gpt2StyleVocabulary.vocab();
        Path withTokenizer = directory.resolve("with-tokenizer");
        CliRun init = CliRun.of("init-model", "--arch", "gpt2", "--layers", "1", "--vocab", Integer.toString(vocab.size()), "--seed", "2",
                "--out", withTokenizer.toString());
        assertThat(init.exitCode()).as(init.err()).isZero();
        TokenizerFiles.writeByteLevelBpe(withTokenizer, vocab, Gpt2StyleVocabulary.MERGES);

        CliRun tokenize = CliRun.of("tokenize", "--model", withTokenizer.toString(), "Hello world");
        assertThat(tokenize.exitCode()).as(tokenize.err()).isZero();
        assertThat(tokenize.out().strip()).isEqualTo(Gpt2StyleVocabulary.id("Hello") + "," + Gpt2StyleVocabulary.id("Ġworld"));

        CliRun generate = CliRun.of("generate", "--model", withTokenizer.toString(), "--prompt", "Hello", "--max-new-tokens", "3");
        assertThat(generate.exitCode()).as(generate.err()).isZero();
        assertThat(generate.out()).isNotBlank();
    }

    @Test
    void forwardFeedsBartsDecoderWithDecoderIds() {
        Path bart = directory.resolve("bart");
        assertThat(CliRun.of("init-model", "--arch", "bart", "--preset", "tiny", "--seed", "3", "--out", bart.toString()).exitCode()).isZero();
        Path out = directory.resolve("bart-logits.safetensors");

        CliRun run = CliRun.of("forward", "--model", bart.toString(), "--ids", "0,10,11,12,2", "--decoder-ids", "2,0,20", "--out", out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        try (SafetensorsFile logits = SafetensorsFile.open(out)) {
            assertThat(logits.info("logits").shape().getShape()).containsExactly(1, 3, 1000);
        }
        CliRun decoderOnly = CliRun.of("forward", "--model", model.toString(), "--ids", "1", "--decoder-ids", "1", "--out", out.toString());
        assertThat(decoderOnly.exitCode()).isEqualTo(2);
        assertThat(decoderOnly.err()).contains("--decoder-ids");
    }
}
