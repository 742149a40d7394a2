package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.EngineException;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

final class TestErrorReporter {
    private final StringWriter err = new StringWriter();
    private final ErrorReporter reporter = new ErrorReporter(new PrintWriter(err, true), false);

    @Test
    void userErrorExitsTwoWithOneLineAndNoStackTrace() {
        int code = reporter.report(new PeftException(StandardErrorCode.MISSING_TENSOR, "model.safetensors lacks wte.weight"));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("MISSING_TENSOR: model.safetensors lacks wte.weight" + System.lineSeparator());
    }

    @Test
    void internalPeftErrorExitsOneWithStackTrace() {
        int code = reporter.report(new PeftException(StandardErrorCode.INTERNAL_ERROR, "bad state"));

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).startsWith("INTERNAL_ERROR: bad state").contains("at io.github.peft4j");
    }

    @Test
    void unexpectedExceptionIsAnInternalError() {
        int code = reporter.report(new IllegalStateException("boom"));

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).startsWith("INTERNAL_ERROR: java.lang.IllegalStateException: boom").contains("please report");
    }

    @Test
    void aPyTorchAllocationFailureIsOutOfMemorySayingWhatToLower() {
        EngineException allocation = new EngineException("[enforce fail at alloc_cpu.cpp:118] data. DefaultCPUAllocator: not enough memory:"
                + " you tried to allocate 1099511627776 bytes.\nException raised from alloc_cpu at ../c10/core/impl/alloc_cpu.cpp:118");

        int code = reporter.report(new IllegalStateException("decoding failed", allocation));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("OUT_OF_MEMORY: PyTorch could not allocate memory (")
                .contains("you tried to allocate 1099511627776 bytes", "--batch-size", "--beams")
                .doesNotContain("\tat ", "alloc_cpu at", "java.lang");
    }

    @Test
    void anEngineFailureOfAnotherKindStaysAnInternalError() {
        assertThat(reporter.report(new EngineException("expected scalar type Float but found Long"))).isEqualTo(1);
        assertThat(err.toString()).startsWith("INTERNAL_ERROR: ");
    }

    @Test
    void javaHeapExhaustionIsOutOfMemorySayingHowToGrowTheHeap() {
        int code = reporter.report(new OutOfMemoryError("Java heap space"));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("OUT_OF_MEMORY: Java ran out of heap memory (Java heap space): lower --batch-size")
                .contains("JAVA_OPTS=-Xmx").doesNotContain("\tat ");
        assertThat(err.toString().lines()).hasSize(1);
    }
}
