package io.github.peft4j.core.memory;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.EngineException;
import org.junit.jupiter.api.Test;

final class TestAllocationFailure {
    @Test
    void pyTorchsRefusalIsRecognisedThroughWrappersWithoutItsSourceLocation() {
        EngineException refusal = new EngineException("[enforce fail at alloc_cpu.cpp:118] data. DefaultCPUAllocator: not enough memory: you tried"
                + " to allocate 1099511627776 bytes.\nmore detail");

        AllocationFailure failure = AllocationFailure.of(new RuntimeException("while decoding", refusal)).orElseThrow();

        assertThat(failure.description()).isEqualTo("PyTorch could not allocate memory (DefaultCPUAllocator: not enough memory: you tried to allocate"
                + " 1099511627776 bytes.)");
        assertThat(failure.javaHeap()).isFalse();
    }

    @Test
    void aFullJavaHeapIsRecognisedAsSuch() {
        AllocationFailure failure = AllocationFailure.of(new OutOfMemoryError("Java heap space")).orElseThrow();

        assertThat(failure.description()).isEqualTo("Java ran out of heap memory (Java heap space)");
        assertThat(failure.javaHeap()).isTrue();
    }

    @Test
    void otherFailuresAreNotAllocationFailures() {
        assertThat(AllocationFailure.of(new EngineException("shape mismatch"))).isEmpty();
        assertThat(AllocationFailure.of(new IllegalStateException("boom"))).isEmpty();
    }
}
