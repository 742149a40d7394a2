package io.github.peft4j.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Writing small dataset files into a test's temporary directory, and the error checks the reader tests share. */
final class Fixtures {
    private Fixtures() {}

    /** Writes {@code text} as UTF-8 to {@code directory/relative}, creating parent directories. */
    static Path write(Path directory, String relative, String text) {
        try {
            Path file = directory.resolve(relative);
            Files.createDirectories(file.getParent());
            return Files.writeString(file, text);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reading {@code file} fails with MALFORMED_DATASET, a message that starts with the file and contains {@code message}. */
    static void assertMalformed(Function<Path, ?> reader, Path file, String message) {
        assertFails(() -> reader.apply(file), StandardErrorCode.MALFORMED_DATASET)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining(message);
    }

    /** The call fails with a {@link PeftException} of the given code. */
    static AbstractThrowableAssert<?, ? extends Throwable> assertFails(ThrowingCallable call, StandardErrorCode code) {
        return assertThatThrownBy(call)
                .isInstanceOf(PeftException.class)
                .satisfies(e -> assertThat(((PeftException) e).getErrorCode()).isEqualTo(code.toErrorCode()));
    }
}
