package io.github.peft4j.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The golden vectors every module's tests share, kept once in core's test resources ({@code golden/}: a random
 * GPT-2 in Hugging Face layout, forward cases, training trajectories). Maven passes their location as the
 * system property {@code peft4j.golden}; an IDE run from a module directory finds them relative to it.
 */
public final class Golden {
    /**
     * How far a parameter trained on a golden trajectory may be from torch's. GPT-2's tanh-GELU runs as torch's fused
     * kernel ({@code FusedOps.geluTanh}), equal to Hugging Face's element-wise {@code 0.5 x (1 + tanh z)}, with which
     * the trajectories were recorded, but rounded differently in float32; AdamW's {@code m / sqrt(v)} magnifies that
     * on weights whose gradients are near zero, to about 2e-5 after five steps (1e-5 fails). The losses still agree
     * to 1e-5 relative.
     */
    public static final float TRAINED_PARAMETER_TOLERANCE = 3e-5f;

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
