package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
}
