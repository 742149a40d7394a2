package io.github.peft4j.spi;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;

/**
 * What an adapter is created against.
 *
 * @param backend the frozen model it will adapt; the adapter may run it (e.g. to initialise a prefix from real
 *     words' activations) but must not change its weights
 * @param manager owns the adapter's parameters for the adapter's whole life
 * @param seed seeds every random initialisation, so that equal seeds give equal parameters
 */
public record AdapterContext(ModelBackend backend, NDManager manager, long seed) {
    public AdapterContext {
        requireNonNull(backend, "backend");
        requireNonNull(manager, "manager");
    }
}
