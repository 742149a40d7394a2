package io.github.peft4j.spi;

import ai.djl.ndarray.NDArray;
import java.nio.file.Path;
import java.util.Map;

/**
 * A parameter-efficient fine-tuning method bound to one model: it owns only its trainable parameters and answers
 * the backend's hooks. It never reaches into a backend's internals, and a backend never knows which method runs.
 *
 * <p>Lifecycle: created by its {@link AdapterProvider}; {@link #hooks} is called once per forward pass (inside a
 * gradient collector when training, so that gradients reach the parameters); {@link #close} frees its arrays.
 */
public interface ParameterEfficientAdapter extends AutoCloseable {
    /** The method's name, equal to its provider's {@link AdapterProvider#name()}. */
    String method();

    /**
     * The trainable parameters by stable name, in a stable order. The training engine attaches gradients to
     * them and updates them in place.
     */
    Map<String, NDArray> trainableParameters();

    /**
     * The hooks for one forward pass of {@code batchSize} rows, computed once (e.g. the prefix MLP runs here, not
     * once per layer). The returned arrays belong to {@code context}'s manager.
     */
    AdapterHooks hooks(ForwardContext context);

    /** The settings this adapter was created with: {@link AdapterProvider#parseConfig} of them recreates it. */
    AdapterConfig config();

    /**
     * Writes the adapter's inference form to {@code directory} (for prefix-tuning: the prefix with any
     * reparameterisation applied and dropped, as a Hugging Face PEFT directory), which
     * {@link AdapterProvider#load} reads back. Files are replaced atomically.
     */
    void export(Path directory);

    /** Parameters in the exported form (e.g. P x layers x 2 x hidden), as opposed to the trainable ones. */
    long exportedParameterCount();

    @Override
    void close();
}
