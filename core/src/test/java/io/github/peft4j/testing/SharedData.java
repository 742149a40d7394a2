package io.github.peft4j.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real datasets of the workplace's shared folder ({@code ../shared/data} beside the repository), passed by
 * Maven as the system property {@code peft4j.shared.data}. They are never committed; a test that needs them calls
 * {@link #require} and is skipped where they are absent.
 */
public final class SharedData {
    private SharedData() {}

    /** {@code relative} inside the shared data folder; skips the calling test when it does not exist. */
    public static Path require(String relative) {
        String configured = System.getProperty("peft4j.shared.data");
        Path path = (configured != null ? Path.of(configured) : Path.of("..", "..", "shared", "data")).resolve(relative);
        assumeTrue(Files.exists(path), "shared data not available: " + path);
        return path;
    }
}
