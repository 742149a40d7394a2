package io.github.peft4j.adapter.prefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.github.peft4j.core.training.optim.AdamW;
import io.github.peft4j.core.training.optim.AdamWConfig;
import java.util.Collection;

/**
 * Fits an MLP-reparameterised prefix to given rows, as Li &amp; Liang's code initialises such a prefix from real
 * words: {@value #STEPS} Adam steps at learning rate {@value #LEARNING_RATE} on the mean squared error between the
 * MLP's output and the words' keys/values.
 */
final class MlpFit {
    static final int STEPS = 500;
    static final double LEARNING_RATE = 1e-4;

    private MlpFit() {}

    /**
     * Updates {@code encoder}'s parameters in place. Opens a gradient collector per step, so it must not run inside
     * one. The parameters are left with zeroed gradients and no longer requiring one.
     *
     * @param target rows {@code [P, L*2*d]}
     * @param scratch where the steps' temporary arrays go; each step's are freed before the next
     */
    static void fit(PrefixEncoder encoder, NDArray target, NDManager scratch) {
        Collection<NDArray> parameters = encoder.parameters().values();
        parameters.forEach(parameter -> parameter.setRequiresGradient(true));
        try (AdamW optimizer = new AdamW(encoder.parameters(), AdamWConfig.DEFAULT)) {
            for (int step = 0; step < STEPS; step++) {
                try (NDManager pass = scratch.newSubManager()) {
                    try (GradientCollector collector = pass.getEngine().newGradientCollector()) {
                        collector.backward(encoder.rows(pass).sub(target).square().mean());
                    }
                    optimizer.step(LEARNING_RATE); // leaves the gradients zero for the next step
                }
            }
        }
        finally {
            parameters.forEach(parameter -> parameter.setRequiresGradient(false));
        }
    }
}
