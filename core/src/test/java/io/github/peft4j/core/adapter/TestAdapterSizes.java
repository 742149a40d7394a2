package io.github.peft4j.core.adapter;

import static io.github.peft4j.testing.AdapterTesting.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.github.peft4j.core.adapter.AdapterSizes.Source;
import io.github.peft4j.core.memory.MemoryLimits;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sizes refused before anything is allocated, by the setting (and train option) that asked for them. */
final class TestAdapterSizes {
    private static final ModelGeometry GPT2 = new ModelGeometry("gpt2", 0, 2, 4, 16, 64, 1000, 128);
    private static final long GIB = 1L << 30;

    @Test
    void virtualTokensMustLeaveAPositionForRealTokens() {
        assertThatCode(() -> AdapterSizes.checkPositions(Source.setting(Settings.LENGTH, 127), GPT2)).doesNotThrowAnyException();
        assertError(() -> AdapterSizes.checkPositions(Source.setting(Settings.LENGTH, 128), GPT2), StandardErrorCode.INVALID_ARGUMENT,
                "length = 128 (--prefix-length, --lengths or --set length): real tokens are numbered after the 128 virtual tokens, but the model has 128 positions;"
                        + " lower length (--prefix-length, --lengths or --set length): at most 127 virtual tokens fit");
    }

    @Test
    void tokensReadInOnePassMustFitThePositions() {
        assertThatCode(() -> AdapterSizes.checkReadable(new Source(128, "the 128 tokens of the init words", "use fewer words"), GPT2))
                .doesNotThrowAnyException();
        assertError(() -> AdapterSizes.checkReadable(new Source(129, "the 129 tokens of the init words", "use fewer words"), GPT2),
                StandardErrorCode.INVALID_ARGUMENT, "the 129 tokens of the init words are read by the model in one pass, which numbers at most 128 positions;"
                        + " use fewer words");
    }

    @Test
    void arraysBeyondWhatAnArrayIndexesAreRefusedByTheirCauseNotAsNegative() {
        assertThatCode(() -> AdapterSizes.checkArray("'w'", 16_777_215, 128, Source.setting(Settings.MLP_WIDTH, 16_777_215), 128))
                .doesNotThrowAnyException();
        assertError(() -> AdapterSizes.checkArray("'w'", 128, 16_777_216, Source.setting(Settings.MLP_WIDTH, 16_777_216), 128),
                StandardErrorCode.OUT_OF_MEMORY, "mlp-width = 16777216 (--mlp-width or --set mlp-width) makes 'w' [128, 16777216] hold 2,147,483,648 numbers, more than one"
                        + " array can index (2,147,483,639); lower mlp-width (--mlp-width or --set mlp-width): at most 16,777,215 fit");
        assertError(() -> AdapterSizes.checkArray("'w'", Long.MAX_VALUE / 2, 4, Source.setting(Settings.LENGTH, Long.MAX_VALUE / 2), 4),
                StandardErrorCode.OUT_OF_MEMORY, "hold more than 2^63 numbers, more than one array can index");
    }

    @Test
    void workBeyondMemorySaysHowMuchItNeedsAndWhatToLower() {
        MemoryLimits limits = new MemoryLimits(2 * GIB, 8 * GIB);
        assertThatCode(() -> AdapterSizes.checkMemory("A prefix", GIB, 4 * GIB, "1 parameter", "lower length", limits)).doesNotThrowAnyException();
        assertError(() -> AdapterSizes.checkMemory("A prefix", GIB, 12 * GIB, "its parameters", "lower length (--prefix-length, --lengths or --set length)", limits),
                StandardErrorCode.OUT_OF_MEMORY, "A prefix needs about 12.0 GiB (its parameters), more than this machine's 8.0 GiB of memory; lower length (--prefix-length, --lengths or --set length)");
        assertError(() -> AdapterSizes.checkMemory("A prefix", 3 * GIB, 4 * GIB, "its parameters", "lower mlp-width (--mlp-width or --set mlp-width)", limits),
                StandardErrorCode.OUT_OF_MEMORY, "needs about 3.0 GiB of Java heap for its starting values (its parameters), more than this JVM's 2.0 GiB;"
                        + " lower mlp-width (--mlp-width or --set mlp-width), or give Java more heap (e.g. JAVA_OPTS=-Xmx5g)");
    }

    @Test
    void settingsBeyondAnIntAreTooLargeNotMalformed() {
        assertError(() -> Settings.optionalInt(Map.of("length", "3000000000"), "length", 1, "the number of virtual tokens P, a whole number >= 1"),
                StandardErrorCode.INVALID_ARGUMENT, "length = 3000000000 (--prefix-length, --lengths or --set length) is too large: it is the number of virtual tokens P, a whole number"
                        + " >= 1, at most 2147483647");
        assertError(() -> Settings.optionalInt(Map.of("mlp-width", "99999999999999999999999"), "mlp-width", 0, "k"), StandardErrorCode.INVALID_ARGUMENT,
                "(--mlp-width or --set mlp-width) is too large");
        assertError(() -> Settings.optionalInt(Map.of("length", "0"), "length", 1, "a whole number >= 1"), StandardErrorCode.INVALID_ARGUMENT,
                "length is a whole number >= 1; got '0'");
        assertError(() -> Settings.optionalInt(Map.of("length", "1.5"), "length", 1, "a whole number >= 1"), StandardErrorCode.INVALID_ARGUMENT,
                "length is a whole number >= 1; got '1.5'");
        assertThat(Settings.optionalInt(Map.of("length", " 2147483647 "), "length", 1, "n").getAsInt()).isEqualTo(Integer.MAX_VALUE);
    }
}
