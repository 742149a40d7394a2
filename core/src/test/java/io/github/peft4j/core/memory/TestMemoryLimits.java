package io.github.peft4j.core.memory;

import static io.github.peft4j.testing.AdapterTesting.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.peft4j.spi.StandardErrorCode;
import org.junit.jupiter.api.Test;

/** The limits, arithmetic and wording every "does this fit in memory" check shares. */
final class TestMemoryLimits {
    private static final long GIB = 1L << 30;
    private static final MemoryLimits LIMITS = new MemoryLimits(2 * GIB, 8 * GIB);

    @Test
    void sizesThatOverflowSaturateInsteadOfWrapping() {
        assertThat(MemoryLimits.saturatedMultiply(3, 4)).isEqualTo(12);
        assertThat(MemoryLimits.saturatedMultiply(Long.MAX_VALUE / 2, 3)).isEqualTo(Long.MAX_VALUE);
        assertThat(MemoryLimits.saturatedAdd(3, 4)).isEqualTo(7);
        assertThat(MemoryLimits.saturatedAdd(Long.MAX_VALUE, 1)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void sizesAreShownReadablyAndASaturatedOneAsBeyondAnyCount() {
        assertThat(MemoryLimits.bytes(2048 * GIB)).isEqualTo("2.0 TiB");
        assertThat(MemoryLimits.bytes(3 * GIB / 2)).isEqualTo("1.5 GiB");
        assertThat(MemoryLimits.bytes(GIB / 2)).isEqualTo("512 MiB");
        assertThat(MemoryLimits.bytes(Long.MAX_VALUE)).isEqualTo("more than 8 EiB");
        assertThat(MemoryLimits.count(2_147_483_639)).isEqualTo("2,147,483,639");
        assertThat(MemoryLimits.count(Long.MAX_VALUE)).isEqualTo("more than 2^63");
    }

    @Test
    void workBeyondTheMachineSaysWhatItNeedsAndWhatToLower() {
        assertThatCode(() -> LIMITS.requireMachineFits("A job", 8 * GIB, "for its cache", "lower --n")).doesNotThrowAnyException();
        assertError(() -> LIMITS.requireMachineFits("A job", 12 * GIB, "for its cache", "lower --n"), StandardErrorCode.OUT_OF_MEMORY,
                "A job needs about 12.0 GiB for its cache, more than this machine's 8.0 GiB of memory; lower --n");
        assertError(() -> LIMITS.requireMachineFits("A job", Long.MAX_VALUE, "for its cache", "lower --n"), StandardErrorCode.OUT_OF_MEMORY,
                "A job needs more than 8 EiB for its cache");
    }

    @Test
    void workBeyondTheHeapSuggestsMoreHeapOnlyWhereTheMachineHasIt() {
        assertThatCode(() -> LIMITS.requireHeapFits("A job", 2 * GIB, "for its scores", "lower --n")).doesNotThrowAnyException();
        assertError(() -> LIMITS.requireHeapFits("A job", 3 * GIB, "for its scores", "lower --n"), StandardErrorCode.OUT_OF_MEMORY,
                "A job needs about 3.0 GiB of Java heap for its scores, more than this JVM's 2.0 GiB; lower --n, or give Java more heap (e.g. JAVA_OPTS=-Xmx5g)");
        assertError(() -> LIMITS.requireHeapFits("A job", 9 * GIB, "for its scores", "lower --n"), StandardErrorCode.OUT_OF_MEMORY,
                "more than this JVM's 2.0 GiB; lower --n");
        assertThatThrownBy(() -> LIMITS.requireHeapFits("A job", 9 * GIB, "for its scores", "lower --n")).hasMessageNotContaining("JAVA_OPTS");
    }

    @Test
    void theCurrentLimitsAreThisJvmsHeapAndAPositiveMachineSize() {
        MemoryLimits current = MemoryLimits.current();

        assertThat(current.heapBytes()).isEqualTo(Runtime.getRuntime().maxMemory());
        assertThat(current.machineBytes()).isPositive();
    }

    @Test
    void directMemoryDefaultsToTheHeapAndWorkBeyondItSaysHowToRaiseIt() {
        assertThat(LIMITS.directBytes()).isEqualTo(LIMITS.heapBytes());
        MemoryLimits smallDirect = new MemoryLimits(2 * GIB, 8 * GIB, GIB);
        assertThatCode(() -> smallDirect.requireDirectFits("A model", GIB, "for its weights", "lower --layers")).doesNotThrowAnyException();
        assertError(() -> smallDirect.requireDirectFits("A model", 4 * GIB, "for its weights", "lower --layers"), StandardErrorCode.OUT_OF_MEMORY,
                "A model needs about 4.0 GiB of direct memory for its weights, more than this JVM's 1.0 GiB; lower --layers, or give Java more"
                        + " (e.g. JAVA_OPTS=-XX:MaxDirectMemorySize=6g)");
    }

    @Test
    void currentLimitsReadTheJvmsDirectMemory() {
        MemoryLimits current = MemoryLimits.current();
        assertThat(current.directBytes()).isPositive();
        assertThat(current.heapBytes()).isEqualTo(Runtime.getRuntime().maxMemory());
    }
}
