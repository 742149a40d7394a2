package io.github.peft4j.spi;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;

/**
 * One forward pass as an adapter sees it.
 *
 * @param manager owns the arrays created for this pass; closed by the caller after the step
 * @param batchSize rows in the batch
 * @param training whether dropout and other training-only behaviour apply
 */
public record ForwardContext(NDManager manager, int batchSize, boolean training) {
    public ForwardContext {
        requireNonNull(manager, "manager");
        if (batchSize <= 0) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "batchSize must be positive, got " + batchSize);
        }
    }
}
