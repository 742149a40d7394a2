package io.github.peft4j.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The golden vectors every module's tests share, kept once in core's test resources ({@code golden/}: a random
 * GPT-2 in Hugging Face layout, forward cases, training trajectories). Maven passes their location as the
 * system property {@code peft4j.golden}; an IDE run from a module directory finds them relative to it.
 */
public final class Golden {
    private Golden() {}

    public static Path directory() {
        String configured = System.getProperty("peft4j.golden");
        Path directory = configured != null ? Path.of(configured) : Path.of("..", "core", "src", "test", "resources", "golden");
        if (!Files.isDirectory(directory)) {
            throw new IllegalStateException("Golden vectors not found at " + directory.toAbsolutePath() + "; run the tests through Maven");
        }
        return directory;
    }

    public static Path resolve(String path) {
        return directory().resolve(path);
    }
}
