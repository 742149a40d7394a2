package io.github.peft4j.adapter.infix;

import static io.github.peft4j.testing.AdapterTesting.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.spi.AdapterProvider;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Settings as users type them: defaults, implied init, round trips and bad values. */
final class TestInfixConfig {
    private final InfixAdapterProvider provider = new InfixAdapterProvider();

    @Test
    void isDiscoveredAsTheInfixMethod() {
        assertThat(ServiceLoader.load(AdapterProvider.class).stream().map(ServiceLoader.Provider::get))
                .filteredOn(found -> found.name().equals("infix"))
                .singleElement()
                .isInstanceOf(InfixAdapterProvider.class);
    }

    @Test
    void defaultsAreTheSeparatorBoundaryAndRandomInit() {
        InfixConfig config = provider.parseConfig(Map.of());
        assertThat(config).isEqualTo(InfixConfig.defaults());
        assertThat(config.length()).isEmpty();
        assertThat(config.mlpWidth()).isEmpty();
        assertThat(config.boundary()).isEqualTo(InfixConfig.Boundary.SEPARATOR);
        assertThat(config.init()).isEqualTo(InfixConfig.Init.RANDOM);
    }

    @Test
    void parsesEveryKeyAndImpliesInit() {
        assertThat(provider.parseConfig(Map.of("length", "3", "mlp-width", "0", "boundary", "target", "init-ids", "4,5,6", "init-context-ids", "1, 2")))
                .isEqualTo(new InfixConfig(OptionalInt.of(3), OptionalInt.of(0), InfixConfig.Boundary.TARGET, InfixConfig.Init.WORDS,
                        List.of(4L, 5L, 6L), Optional.empty(), List.of(1L, 2L), Optional.empty(), Optional.empty()));
        assertThat(provider.parseConfig(Map.of("init-text", "table-to-text:", "init-context-text", "name : Aromi")).init()).isEqualTo(InfixConfig.Init.WORDS);
        assertThat(provider.parseConfig(Map.of("init-file", "start.safetensors")).init()).isEqualTo(InfixConfig.Init.FILE);
    }

    @Test
    void settingsRoundTrip() {
        for (Map<String, String> settings : List.of(Map.<String, String>of(), Map.of("length", "3", "mlp-width", "16", "boundary", "target"),
                Map.of("init-text", "summarize", "init-context-text", " x"), Map.of("init-ids", "1,2", "init-context-ids", "3"),
                Map.of("init-file", "a/b.safetensors", "mlp-width", "0"))) {
            InfixConfig config = provider.parseConfig(settings);
            assertThat(provider.parseConfig(config.toSettings())).as("%s", settings).isEqualTo(config);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "colour=blue | Unknown infix setting 'colour'",
            "length=0 | length is the number of infix tokens I",
            "mlp-width=x | mlp-width is the MLP's hidden width",
            "boundary=middle | boundary is separator or target",
            "init=vocab | init is random, words or file",
            "init=words | init=words needs exactly one of init-ids or init-text",
            "init-context-ids=5 | init=random takes no",
            "init-ids=5,init-context-ids=1,init-context-text=a | at most one of init-context-ids and init-context-text",
            "init=file,init-file=f,init-context-ids=1 | init=file takes no",
            "init-ids=5;x | init-ids is a comma-separated list",
            "init-context-ids=-1 | init-context-ids are token ids >= 0"})
    void badSettingsNameTheKey(String settings, String message) {
        Map<String, String> parsed = new LinkedHashMap<>();
        for (String pair : settings.split(",")) {
            String[] keyValue = pair.split("=", 2);
            parsed.put(keyValue[0], keyValue[1].replace(';', ','));
        }
        assertError(() -> provider.parseConfig(parsed), StandardErrorCode.INVALID_ARGUMENT, message);
    }
}
