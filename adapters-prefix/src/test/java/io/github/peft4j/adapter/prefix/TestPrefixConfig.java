package io.github.peft4j.adapter.prefix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.peft4j.spi.AdapterProvider;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Settings as users type them: defaults, implied init, round trips and every kind of bad value. */
final class TestPrefixConfig {
    private final PrefixAdapterProvider provider = new PrefixAdapterProvider();

    @Test
    void isDiscoveredAsThePrefixMethod() {
        assertThat(ServiceLoader.load(AdapterProvider.class).stream().map(ServiceLoader.Provider::get))
                .filteredOn(found -> found.name().equals("prefix"))
                .singleElement()
                .isInstanceOf(PrefixAdapterProvider.class);
    }

    @Test
    void defaultsArePeftPositionsRandomInitNoDropoutAndSizesLeftToResolution() {
        PrefixConfig config = provider.parseConfig(Map.of());

        assertThat(config).isEqualTo(PrefixConfig.defaults());
        assertThat(config.length()).isEmpty();
        assertThat(config.mlpWidth()).isEmpty();
        assertThat(config.dropout()).isZero();
        assertThat(config.parts()).isEmpty();
        assertThat(config.positions()).isEmpty();
        assertThat(config.parts(false)).isEqualTo(PrefixConfig.Parts.PEFT);
        assertThat(config.positions(false)).as("GPT-2 numbers from P").isEqualTo(PrefixConfig.Positions.PEFT);
        assertThat(config.parts(true)).isEqualTo(PrefixConfig.Parts.LILIANG);
        assertThat(config.positions(true)).as("Li & Liang's BART numbers from 0").isEqualTo(PrefixConfig.Positions.ZERO);
        assertThat(provider.parseConfig(Map.of("parts", "peft")).positions(true)).as("PEFT's seq2seq numbers the decoder from P")
                .isEqualTo(PrefixConfig.Positions.PEFT);
        assertThat(config.init()).isEqualTo(PrefixConfig.Init.RANDOM);
    }

    @Test
    void parsesEveryKey() {
        PrefixConfig config = provider.parseConfig(Map.of("length", "7", "mlp-width", "0", "dropout", "0.25", "parts", "peft", "positions", "zero",
                "init", "words", "init-ids", "464, 3290,318"));

        assertThat(config).isEqualTo(new PrefixConfig(OptionalInt.of(7), OptionalInt.of(0), 0.25, Optional.of(PrefixConfig.Parts.PEFT), Optional.of(PrefixConfig.Positions.ZERO),
                PrefixConfig.Init.WORDS, List.of(464L, 3290L, 318L), Optional.empty(), Optional.empty()));
    }

    @Test
    void initIsImpliedByItsSource() {
        assertThat(provider.parseConfig(Map.of("init-ids", "5")).init()).isEqualTo(PrefixConfig.Init.WORDS);
        assertThat(provider.parseConfig(Map.of("init-text", "table-to-text:")).init()).isEqualTo(PrefixConfig.Init.WORDS);
        assertThat(provider.parseConfig(Map.of("init-file", "start.safetensors")).init()).isEqualTo(PrefixConfig.Init.FILE);
    }

    @Test
    void settingsRoundTrip() {
        List<Map<String, String>> inputs = List.of(
                Map.of(),
                Map.of("length", "5", "mlp-width", "32", "dropout", "0.1"),
                Map.of("positions", "zero", "init-text", "summarize: "),
                Map.of("parts", "peft", "positions", "peft"),
                Map.of("init", "words", "init-ids", "1,2,3", "mlp-width", "0"),
                Map.of("init-file", "/tmp/prefix dir", "dropout", "0.5"));
        for (Map<String, String> input : inputs) {
            PrefixConfig config = provider.parseConfig(input);
            assertThat(provider.parseConfig(config.toSettings())).as("%s", input).isEqualTo(config);
            assertThat(config.toSettings()).as("%s", input).containsAllEntriesOf(Map.of("init", config.init().setting()));
        }
        assertThat(provider.parseConfig(Map.of("init-file", "/tmp/prefix dir")).initFile()).contains(Path.of("/tmp/prefix dir"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "colour|red|colour",
        "length|0|length",
        "length|ten|length",
        "mlp-width|-1|mlp-width",
        "mlp-width|1.5|mlp-width",
        "dropout|1|dropout",
        "dropout|-0.1|dropout",
        "dropout|NaN|dropout",
        "dropout|lots|dropout",
        "positions|left|peft or zero",
        "parts|all|liliang or peft",
        "init|magic|random, words or file",
        "init-ids|1,,2|init-ids",
        "init-ids|-3|init-ids",
        "init-text|'   '|init-text",
        "init|words|init=words needs exactly one of init-ids or init-text",
        "init|file|init=file needs init-file",
    })
    void badValuesNameTheKeyAndWhatIsAllowed(String key, String value, String expected) {
        assertThatThrownBy(() -> provider.parseConfig(Map.of(key, value)))
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.INVALID_ARGUMENT.toErrorCode()))
                .hasMessageContaining(expected);
    }

    @Test
    void unknownKeysListTheKnownOnes() {
        assertThatThrownBy(() -> provider.parseConfig(Map.of("prefix-length", "10")))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("'prefix-length'")
                .hasMessageContaining("length, mlp-width, dropout, parts, positions, init, init-ids, init-text, init-file");
    }

    @Test
    void contradictoryStartingPointsAreRefused() {
        List<Map<String, String>> contradictions = List.of(
                Map.of("init", "random", "init-ids", "1"),
                Map.of("init", "words", "init-ids", "1", "init-text", "hello"),
                Map.of("init", "words", "init-ids", "1", "init-file", "x.safetensors"),
                Map.of("init-ids", "1", "init-file", "x.safetensors"),
                Map.of("init", "file", "init-file", "x.safetensors", "init-text", "hello"));
        for (Map<String, String> settings : contradictions) {
            assertThatThrownBy(() -> provider.parseConfig(settings)).as("%s", settings)
                    .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.INVALID_ARGUMENT.toErrorCode()))
                    .hasMessageContaining("init");
        }
    }
}
