package io.github.peft4j.core.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.spi.PeftException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestIoErrors {
    @TempDir
    Path directory;

    @Test
    void describesFailuresWithoutJavaClassNames() throws IOException {
        Path file = Files.writeString(directory.resolve("file"), "x");
        IOException underAFile = null;
        try {
            Files.createDirectories(file.resolve("child"));
        }
        catch (IOException e) {
            underAFile = e;
        }
        assertThat(underAFile).isNotNull();
        assertThat(IoErrors.describe(underAFile)).doesNotContain("java.").contains(file.toString());
        assertThat(IoErrors.describe(new AccessDeniedException("/x"))).isEqualTo("permission denied: /x");
        assertThat(IoErrors.describe(new FileSystemException("/mnt/x", null, "Read-only file system"))).isEqualTo("Read-only file system: /mnt/x");
    }

    @Test
    void aFailedWriteIsAUserErrorNamingTheTarget() {
        PeftException error = IoErrors.writeFailed(Path.of("/runs/a"), new AccessDeniedException("/runs"));
        assertThat(error.isUserError()).isTrue();
        assertThat(error.getErrorCode().name()).isEqualTo("WRITE_FAILED");
        assertThat(error.getMessage()).startsWith("Cannot write /runs/a (permission denied: /runs)").doesNotContain("java.");
    }
}
