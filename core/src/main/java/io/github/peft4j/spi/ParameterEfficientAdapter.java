package io.github.peft4j.spi;

import ai.djl.ndarray.NDArray;
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

    @Override
    void close();
}
