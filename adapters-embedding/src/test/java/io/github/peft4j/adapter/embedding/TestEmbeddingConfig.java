package io.github.peft4j.adapter.embedding;

import static io.github.peft4j.testing.AdapterTesting.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.spi.AdapterProvider;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.ServiceLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Settings as users type them: defaults, implied init, round trips and bad values. */
final class TestEmbeddingConfig {
    private final EmbeddingAdapterProvider provider = new EmbeddingAdapterProvider();

    @Test
    void isDiscoveredAsTheEmbeddingMethod() {
        assertThat(ServiceLoader.load(AdapterProvider.class).stream().map(ServiceLoader.Provider::get))
                .filteredOn(found -> found.name().equals("embedding"))
                .singleElement()
                .isInstanceOf(EmbeddingAdapterProvider.class);
    }

    @Test
    void defaultsLeaveSizesToResolutionAndInitRandom() {
        EmbeddingConfig config = provider.parseConfig(Map.of());
        assertThat(config).isEqualTo(EmbeddingConfig.defaults());
        assertThat(config.length()).isEmpty();
        assertThat(config.mlpWidth()).isEmpty();
        assertThat(config.init()).isEqualTo(EmbeddingConfig.Init.RANDOM);
    }

    @Test
    void parsesEveryKeyAndImpliesInit() {
        assertThat(provider.parseConfig(Map.of("length", "7", "mlp-width", "0", "init", "words", "init-ids", "464, 3290,318")))
                .isEqualTo(new EmbeddingConfig(OptionalInt.of(7), OptionalInt.of(0), EmbeddingConfig.Init.WORDS, List.of(464L, 3290L, 318L),
                        Optional.empty(), Optional.empty()));
        assertThat(provider.parseConfig(Map.of("init-text", "table-to-text:")).init()).isEqualTo(EmbeddingConfig.Init.WORDS);
        assertThat(provider.parseConfig(Map.of("init-file", "start.safetensors")).initFile()).contains(Path.of("start.safetensors"));
        assertThat(provider.parseConfig(Map.of("init-file", "start.safetensors")).init()).isEqualTo(EmbeddingConfig.Init.FILE);
    }

    @Test
    void settingsRoundTrip() {
        for (Map<String, String> settings : List.of(Map.<String, String>of(), Map.of("length", "3", "mlp-width", "16"),
                Map.of("init-text", "summarize", "length", "4"), Map.of("init-ids", "1,2"), Map.of("init-file", "a/b.safetensors", "mlp-width", "0"))) {
            EmbeddingConfig config = provider.parseConfig(settings);
            assertThat(provider.parseConfig(config.toSettings())).as("%s", settings).isEqualTo(config);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "colour=blue | Unknown embedding setting 'colour'",
            "length=0 | length is the number of virtual tokens P",
            "length=ten | length is the number of virtual tokens P",
            "mlp-width=-1 | mlp-width is the MLP's hidden width",
            "init=vocab | init is random, words or file",
            "init=words | init=words needs exactly one of init-ids or init-text",
            "init=random,init-ids=5 | init=random takes no init-ids",
            "init=file | init=file needs init-file",
            "init-ids=5,init-text=x | init=words needs exactly one",
            "init-ids=5;x | init-ids is a comma-separated list",
            "init-ids=-3 | init-ids are token ids >= 0",
            "init=words,init-ids=5,init-file=f | init=words takes no init-file",
            "init-text=' ' | init-text must not be blank"})
    void badSettingsNameTheKey(String settings, String message) {
        Map<String, String> parsed = new java.util.LinkedHashMap<>();
        for (String pair : settings.split(",")) {
            String[] keyValue = pair.split("=", 2);
            parsed.put(keyValue[0], keyValue[1].replace(';', ',').replace("'", ""));
        }
        assertError(() -> provider.parseConfig(parsed), StandardErrorCode.INVALID_ARGUMENT, message);
    }
}
