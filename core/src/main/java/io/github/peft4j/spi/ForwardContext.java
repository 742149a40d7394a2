package io.github.peft4j.spi;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import java.util.OptionalLong;

/**
 * One forward pass as an adapter sees it.
 *
 * @param manager owns the arrays created for this pass; closed by the caller after the step
 * @param batchSize rows in the batch
 * @param training whether dropout and other training-only behaviour apply
 * @param randomSeed when present, the seed of all the pass's randomness (e.g. dropout masks): an adapter must draw
 *     it from a generator seeded with this value alone, so that equal seeds give equal passes. The trainer derives it
 *     from the run's seed, the optimizer step and the micro-batch, which makes a resumed run draw exactly what the
 *     uninterrupted run drew. When empty (passes outside a training run), an adapter may draw from a generator of
 *     its own.
 */
public record ForwardContext(NDManager manager, int batchSize, boolean training, OptionalLong randomSeed) {
    public ForwardContext {
        requireNonNull(manager, "manager");
        requireNonNull(randomSeed, "randomSeed");
        if (batchSize <= 0) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "batchSize must be positive, got " + batchSize);
        }
    }

    /** A pass without a given seed: an adapter's randomness comes from its own generator. */
    public ForwardContext(NDManager manager, int batchSize, boolean training) {
        this(manager, batchSize, training, OptionalLong.empty());
    }
}
