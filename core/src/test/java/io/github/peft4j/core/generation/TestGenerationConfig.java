package io.github.peft4j.core.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

final class TestGenerationConfig {
    @Test
    void defaultsAreGreedyWithoutConstraints() {
        GenerationConfig config = GenerationConfig.DEFAULT;

        assertThat(config.numBeams()).isEqualTo(1);
        assertThat(config.isBeamSearch()).isFalse();
        assertThat(config.maxNewTokens()).isEqualTo(20);
        assertThat(config.minNewTokens()).isZero();
        assertThat(config.lengthPenalty()).isEqualTo(1.0);
        assertThat(config.earlyStopping()).isFalse();
        assertThat(config.bannedTokenIds()).isEmpty();
        assertThat(config.eosTokenIds()).isEmpty();
        assertThat(config.numReturnSequences()).isEqualTo(1);
        assertThat(config.noRepeatNgramSize()).isZero();
    }

    @Test
    void withMethodsChangeOneOptionEach() {
        GenerationConfig config = GenerationConfig.beamSearch(5, 100)
                .withMinNewTokens(5)
                .withLengthPenalty(0.8)
                .withEarlyStopping(true)
                .withBannedTokenIds(198, 628)
                .withEosTokenIds(50256)
                .withPadTokenId(50256)
                .withNumReturnSequences(3)
                .withNoRepeatNgramSize(3);

        assertThat(config).isEqualTo(new GenerationConfig(5, 100, 5, 0.8, true, Set.of(198L, 628L), Set.of(50256L),
                50256, 3, 3));
        assertThat(config.isBeamSearch()).isTrue();
        assertThat(GenerationConfig.greedy(7)).isEqualTo(GenerationConfig.DEFAULT.withMaxNewTokens(7));
    }

    @Test
    void tokenSetsAreImmutableCopies() {
        Set<Long> banned = new HashSet<>(Set.of(3L));
        GenerationConfig config = new GenerationConfig(1, 5, 0, 1.0, false, banned, Set.of(), 0, 1, 0);
        banned.add(4L);

        assertThat(config.bannedTokenIds()).containsExactly(3L);
        assertThatThrownBy(() -> config.bannedTokenIds().add(5L)).isInstanceOf(UnsupportedOperationException.class);
    }

    static Stream<Arguments> invalidConfigs() {
        GenerationConfig base = GenerationConfig.beamSearch(4, 10);
        return Stream.of(
                invalid("numBeams", () -> base.withNumBeams(0)),
                invalid("maxNewTokens", () -> base.withMaxNewTokens(0)),
                invalid("minNewTokens", () -> base.withMinNewTokens(-1)),
                invalid("minNewTokens", () -> base.withMinNewTokens(11)),
                invalid("lengthPenalty", () -> base.withLengthPenalty(Double.NaN)),
                invalid("lengthPenalty", () -> base.withLengthPenalty(Double.POSITIVE_INFINITY)),
                invalid("bannedTokenIds", () -> base.withBannedTokenIds(3, -1)),
                invalid("eosTokenIds", () -> base.withEosTokenIds(-2)),
                invalid("bannedTokenIds", () -> new GenerationConfig(1, 5, 0, 1.0, false, null, Set.of(), 0, 1, 0)),
                invalid("padTokenId", () -> base.withPadTokenId(-1)),
                invalid("numReturnSequences", () -> base.withNumReturnSequences(0)),
                invalid("numReturnSequences", () -> base.withNumReturnSequences(5)),
                invalid("numReturnSequences", () -> GenerationConfig.greedy(5).withNumReturnSequences(2)),
                invalid("noRepeatNgramSize", () -> base.withNoRepeatNgramSize(-1)));
    }

    @ParameterizedTest(name = "{0} #{index}")
    @MethodSource("invalidConfigs")
    void invalidValuesAreUserErrorsNamingTheOption(String option, Supplier<GenerationConfig> config) {
        assertThatThrownBy(config::get)
                .isInstanceOfSatisfying(PeftException.class, e -> {
                    assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.INVALID_ARGUMENT.toErrorCode());
                    assertThat(e.isUserError()).isTrue();
                })
                .hasMessageContaining(option);
    }

    private static Arguments invalid(String option, Supplier<GenerationConfig> config) {
        return Arguments.of(option, config);
    }
}
