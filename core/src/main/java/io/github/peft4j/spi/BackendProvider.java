package io.github.peft4j.spi;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Set;

/**
 * Discovered with {@link java.util.ServiceLoader}: one provider per model family, registered in
 * {@code META-INF/services/io.github.peft4j.spi.BackendProvider}. Must have a public no-argument constructor and
 * be stateless.
 */
public interface BackendProvider {
    /** The unique, lower-case family name users type, e.g. {@code gpt2}. */
    String name();

    /** One line for {@code peft4j plugins}. */
    String description();

    /** The Hugging Face {@code model_type} values of {@code config.json} this backend loads. */
    Set<String> modelTypes();

    /**
     * Loads a Hugging Face model directory ({@code config.json}, safetensors weights, optional tokenizer files).
     * Nothing is downloaded. A missing or malformed file throws {@link PeftException} naming the file.
     *
     * @param manager owns the model's frozen weights until the backend is closed
     */
    ModelBackend load(Path modelDirectory, NDManager manager);

    /**
     * {@link #load(Path, NDManager)} with the frozen weights' products computed in {@code precision}. Backends that
     * compute in float32 only keep the default, which refuses anything else.
     */
    default ModelBackend load(Path modelDirectory, NDManager manager, FrozenWeightPrecision precision) {
        if (precision != FrozenWeightPrecision.FP32) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "The " + name() + " backend computes in float32 only; drop the "
                    + precision.optionValue() + " precision option");
        }
        return load(modelDirectory, manager);
    }

    /**
     * Writes a seeded, randomly initialised checkpoint in this family's exact Hugging Face layout: what tests and
     * benchmarks run on where pretrained weights cannot be downloaded. Equal seeds give identical files. Writes
     * are atomic per file. Backends that cannot do this keep the default, which refuses.
     */
    default void writeRandomModel(Path directory, RandomModelShape shape, long seed, NDManager manager) {
        throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "The " + name() + " backend cannot create random checkpoints");
    }
}
