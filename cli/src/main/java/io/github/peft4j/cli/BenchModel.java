package io.github.peft4j.cli;

import ai.djl.ndarray.NDManager;
import io.github.peft4j.spi.FrozenWeightPrecision;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The model a benchmark runs on: the user's {@code --model} directory, or a seeded random checkpoint of a preset
 * shape written to a temporary directory that {@link #close()} deletes. Pretrained weights do not change speed, so
 * a random GPT-2-small-shaped checkpoint measures what a real one would. The checkpoint is written by a child JVM:
 * creating its weights here would leave their memory in this process's resident set and peak.
 */
final class BenchModel implements AutoCloseable {
    /** The options of the benchmarks that run a decoder-only model. */
    static final class Options {
        @Option(names = "--model", description = "A decoder-only Hugging Face model directory. Default: a random checkpoint of --preset.")
        Path model;

        @Option(names = "--preset", defaultValue = "gpt2",
                description = "Shape of the random GPT-2 checkpoint when no --model is given (tiny, gpt2, gpt2-medium). Default: ${DEFAULT-VALUE}.")
        String preset;

        @Option(names = "--threads", defaultValue = "2", description = "PyTorch intra-op threads (set before the engine starts). Default: ${DEFAULT-VALUE}.")
        int threads;

        @Mixin
        FrozenPrecisionOption frozen;

        /**
         * Sets PyTorch's threads, which DJL reads when the engine starts (no command before a benchmark starts it), and
         * opens the model.
         */
        BenchModel open() {
            if (threads < 1) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "--threads must be at least 1, got " + threads);
            }
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            return of(model, "gpt2", preset);
        }
    }

    private final Path directory;
    private final boolean temporary;

    private BenchModel(Path directory, boolean temporary) {
        this.directory = directory;
        this.temporary = temporary;
    }

    /** {@code model} when given, else a random {@code preset} of {@code architecture} (seed 1) in a temporary directory. */
    static BenchModel of(Path model, String architecture, String preset) {
        if (model != null) {
            return new BenchModel(model, false);
        }
        try {
            Path directory = Files.createTempDirectory("peft4j-bench-");
            BenchModel created = new BenchModel(directory, true);
            try {
                ChildJvm.run("Writing a random " + preset + " checkpoint", "init-model", "--arch", architecture, "--preset", preset, "--seed", "1",
                        "--out", directory.toString());
            }
            catch (PeftException e) {
                created.close();
                // The child writes into a fresh temporary directory: its user errors are about the shape options.
                throw e.isUserError() ? new PeftException(StandardErrorCode.valueOf(e.getErrorCode().name()), "--preset " + preset + ": " + e.getMessage()
                        + "; or give a --model directory") : e;
            }
            catch (RuntimeException e) {
                created.close();
                throw e;
            }
            return created;
        }
        catch (IOException e) {
            throw new UncheckedIOException("Could not write a random " + preset + " checkpoint to a temporary directory", e);
        }
    }

    Path directory() {
        return directory;
    }

    /**
     * Loads the model with the backend its {@code config.json} names, its frozen products in {@code precision}. The
     * benchmarks measure decoder-only models: {@code benchmark} (e.g. {@code bench train}) refuses the others.
     */
    ModelBackend loadDecoderOnly(ModelLoader loader, NDManager manager, FrozenWeightPrecision precision, String benchmark) {
        ModelBackend backend = loader.load(directory, manager, precision);
        if (backend.geometry().isEncoderDecoder()) {
            String architecture = backend.geometry().architecture();
            backend.close();
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, benchmark + " measures decoder-only models; " + directory + " holds a " + architecture);
        }
        return backend;
    }

    @Override
    public void close() {
        if (!temporary) {
            return;
        }
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path each : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(each);
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException("Could not delete the benchmark's temporary checkpoint " + directory, e);
        }
    }
}
