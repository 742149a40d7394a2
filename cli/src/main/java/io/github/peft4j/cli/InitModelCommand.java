package io.github.peft4j.cli;

import ai.djl.ndarray.NDManager;
import com.google.inject.Inject;
import io.github.peft4j.core.inject.PluginRegistry;
import io.github.peft4j.core.io.OutputTarget;
import io.github.peft4j.spi.BackendProvider;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.RandomModelShape;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peft4j init-model}: a seeded random checkpoint in exact Hugging Face layout. */
@Command(
        name = "init-model",
        mixinStandardHelpOptions = true,
        description = {
                "Write a randomly initialised model directory in exact Hugging Face layout (config.json, generation_config.json,",
                "model.safetensors). Pretrained weights are never downloaded; tests, benchmarks and the demo run on these."})
final class InitModelCommand implements Callable<Integer> {
    private final PluginRegistry registry;

    @Spec
    CommandSpec spec;

    @Option(names = "--arch", required = true, description = "Backend name, e.g. gpt2 (see 'peft4j plugins').")
    String architecture;

    @Option(names = "--preset", defaultValue = "tiny", description = "Shape preset: tiny (2 layers, 64 wide), gpt2 (GPT-2 small, 124M), gpt2-medium. Default: ${DEFAULT-VALUE}.")
    String preset;

    @Option(names = "--layers", description = "Override the number of layers.")
    Integer layers;

    @Option(names = "--hidden", description = "Override the hidden size.")
    Integer hidden;

    @Option(names = "--heads", description = "Override the number of attention heads.")
    Integer heads;

    @Option(names = "--vocab", description = "Override the vocabulary size.")
    Integer vocab;

    @Option(names = "--positions", description = "Override the number of learned positions.")
    Integer positions;

    @Option(names = "--seed", required = true, description = "Random seed; equal seeds give identical files.")
    long seed;

    @Option(names = "--out", required = true,
            description = "Model directory to write: a new or empty one, or one init-model wrote before (its model files are replaced, other files kept).")
    Path out;

    @Option(names = "--force", description = "Write the model files into --out even if init-model did not write it (other files in it are kept).")
    boolean force;

    @Inject
    InitModelCommand(PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Integer call() {
        RandomModelShape shape = new RandomModelShape(preset, optional("--layers", layers), optional("--hidden", hidden), optional("--heads", heads),
                optional("--vocab", vocab), optional("--positions", positions));
        BackendProvider backend = registry.backend(architecture);
        OutputTarget target = OutputTarget.directoryWrittenInPlace(out, "model", "a model directory written by 'peft4j init-model'").force(force).check();
        // The backend checks the shape as it writes: when it refuses, or fails, a directory this run created goes again.
        Optional<OutputTarget.NewDirectory> created = OutputTarget.isAbsentOrEmpty(out) ? Optional.of(OutputTarget.createEmptyDirectory(out, "--out")) : Optional.empty();
        try (NDManager manager = NDManager.newBaseManager()) {
            target.writeInto(directory -> backend.writeRandomModel(directory, shape, seed, manager));
        }
        catch (RuntimeException | Error e) {
            created.ifPresent(OutputTarget.NewDirectory::discard);
            throw e;
        }
        spec.commandLine().getOut().println("Wrote a random " + architecture + " (" + preset + " preset, seed " + seed + ") to " + out);
        return 0;
    }

    private static OptionalInt optional(String option, Integer value) {
        if (value != null && value < 1) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, option + " must be at least 1, got " + value);
        }
        return value == null ? OptionalInt.empty() : OptionalInt.of(value);
    }
}
