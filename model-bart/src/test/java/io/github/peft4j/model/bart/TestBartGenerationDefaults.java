package io.github.peft4j.model.bart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.peft4j.core.generation.GenerationConfig;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** generation_config.json (or config.json's generation keys) read as Hugging Face's generate reads them. */
final class TestBartGenerationDefaults {
    @TempDir
    Path directory;

    @Test
    void theGoldenModelForcesBosAndEos() {
        BartGenerationDefaults defaults = BartGenerationDefaults.read(BartGoldenCase.model());

        assertThat(defaults).isEqualTo(BartGenerationDefaults.of(BartCheckpoints.preset("tiny")));
        assertThat(defaults.decoderPrompt()).containsExactly(2L);
        assertThat(defaults.toGenerationConfig()).isEqualTo(GenerationConfig.greedy(19).withEosTokenIds(2).withPadTokenId(1)
                .withForcedBosTokenId(0).withForcedEosTokenId(2));
    }

    @Test
    void bartLargeCnnStyleFileBecomesBeamSearchWithNewTokenCounts() throws IOException {
        Files.copy(BartGoldenCase.model().resolve("config.json"), directory.resolve("config.json"));
        // facebook/bart-large-cnn's generation_config.json.
        Files.writeString(directory.resolve("generation_config.json"), """
                {"_from_model_config": true, "bos_token_id": 0, "decoder_start_token_id": 2, "early_stopping": true,
                 "eos_token_id": 2, "forced_bos_token_id": 0, "forced_eos_token_id": 2, "length_penalty": 2.0,
                 "max_length": 142, "min_length": 56, "no_repeat_ngram_size": 3, "num_beams": 4, "pad_token_id": 1,
                 "transformers_version": "4.27.0.dev0"}
                """);
        BartGenerationDefaults defaults = BartGenerationDefaults.read(directory);

        assertThat(defaults.toGenerationConfig()).isEqualTo(GenerationConfig.beamSearch(4, 141).withMinNewTokens(55).withLengthPenalty(2.0)
                .withEarlyStopping(true).withNoRepeatNgramSize(3).withEosTokenIds(2).withPadTokenId(1).withForcedBosTokenId(0).withForcedEosTokenId(2));
        assertThat(BartGenerationDefaults.read(writeAndReread(defaults))).isEqualTo(defaults);
    }

    @Test
    void withoutGenerationConfigTheModelConfigsKeysApply() throws IOException {
        // The golden config.json carries num_beams 4, no_repeat_ngram_size 3, early_stopping true (legacy keys).
        Files.copy(BartGoldenCase.model().resolve("config.json"), directory.resolve("config.json"));
        BartGenerationDefaults defaults = BartGenerationDefaults.read(directory);

        assertThat(defaults.numBeams()).isEqualTo(4);
        assertThat(defaults.noRepeatNgramSize()).isEqualTo(3);
        assertThat(defaults.earlyStopping()).isTrue();
        assertThat(defaults.forcedBosTokenId()).hasValue(0);
        assertThat(defaults.forcedEosTokenId()).hasValue(2);
    }

    @Test
    void missingTokenIdsFallBackToTheModelConfigAndNewTokenCountsWin() throws IOException {
        Files.writeString(directory.resolve("config.json"), "{\"model_type\": \"bart\", \"eos_token_id\": 5, \"decoder_start_token_id\": 6, \"pad_token_id\": 7}");
        Files.writeString(directory.resolve("generation_config.json"),
                "{\"max_new_tokens\": 9, \"max_length\": 3, \"min_new_tokens\": 2, \"early_stopping\": \"never\", \"eos_token_id\": [5, 8]}");
        BartGenerationDefaults defaults = BartGenerationDefaults.read(directory);

        assertThat(defaults.decoderStartTokenId()).isEqualTo(6);
        assertThat(defaults.padTokenId()).isEqualTo(7);
        assertThat(defaults.eosTokenIds()).containsExactlyInAnyOrder(5L, 8L);
        assertThat(defaults.maxNewTokens()).isEqualTo(OptionalInt.of(9));
        assertThat(defaults.forcedBosTokenId()).isEqualTo(OptionalLong.empty());
        GenerationConfig config = defaults.toGenerationConfig();
        assertThat(config.maxNewTokens()).isEqualTo(9);
        assertThat(config.minNewTokens()).isEqualTo(2);
        assertThat(config.earlyStopping()).isFalse();
        assertThat(config.eosTokenIds()).isEqualTo(Set.of(5L, 8L));
    }

    @Test
    void badValuesNameTheFileAndKey() throws IOException {
        Files.copy(BartGoldenCase.model().resolve("config.json"), directory.resolve("config.json"));
        Path file = directory.resolve("generation_config.json");
        String[][] cases = {
            {"{\"num_beams\": 0}", "\"num_beams\" must be at least 1"},
            {"{\"max_length\": 1}", "\"max_length\" must be at least 2"},
            {"{\"length_penalty\": \"long\"}", "\"length_penalty\" must be a number"},
            {"{\"early_stopping\": \"sometimes\"}", "\"early_stopping\""},
            {"{\"forced_eos_token_id\": [2, 3]}", "\"forced_eos_token_id\" lists 2 ids"},
            {"{\"eos_token_id\": -1}", "\"eos_token_id\" must be a token id"},
            {"{\"no_repeat_ngram_size\": 2.5}", "\"no_repeat_ngram_size\" must be an integer"},
            {"{\"forced_bos_token_id\": 999999999}", "\"forced_bos_token_id\" is 999999999, outside the model's vocabulary"},
            {"{\"pad_token_id\": 999999999}", "\"pad_token_id\" is 999999999, outside the model's vocabulary"},
            {"{\"max_length\": ", "not valid JSON"}};
        for (String[] bad : cases) {
            Files.writeString(file, bad[0]);
            assertThatThrownBy(() -> BartGenerationDefaults.read(directory)).as(bad[0])
                    .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.MALFORMED_CONFIG.toErrorCode()))
                    .hasMessageContainingAll("generation_config.json", bad[1]);
        }
        assertThatThrownBy(() -> BartGenerationDefaults.read(directory.resolve("missing")))
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.FILE_NOT_FOUND.toErrorCode()));
    }

    private Path writeAndReread(BartGenerationDefaults defaults) throws IOException {
        Path copy = directory.resolve("copy");
        Files.createDirectories(copy);
        Files.copy(directory.resolve("config.json"), copy.resolve("config.json"));
        Files.writeString(copy.resolve("generation_config.json"), defaults.toJson());
        return copy;
    }
}
