package io.github.peft4j.core.training.optim;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;

/**
 * The hyper-parameters of {@link AdamW} other than the learning rate, with {@code torch.optim.AdamW}'s meaning.
 * The constructor validates; an invalid value is a {@link PeftException} with
 * {@link StandardErrorCode#INVALID_ARGUMENT}.
 *
 * @param beta1 decay of the running mean of the gradients, in [0, 1)
 * @param beta2 decay of the running mean of the squared gradients, in [0, 1)
 * @param epsilon added to the bias-corrected root of the second moment, above 0
 * @param weightDecay decoupled weight decay: every update first multiplies the weights by
 *     {@code 1 - learningRate * weightDecay}; 0 turns it off
 */
public record AdamWConfig(double beta1, double beta2, double epsilon, double weightDecay) {
    /**
     * {@code torch.optim.AdamW}'s betas (0.9, 0.999) and epsilon (1e-8), but no weight decay (torch defaults to
     * 0.01): the prefix-tuning paper trains without it.
     */
    public static final AdamWConfig DEFAULT = new AdamWConfig(0.9, 0.999, 1e-8, 0.0);

    public AdamWConfig {
        checkBeta("beta1", beta1, 0.9);
        checkBeta("beta2", beta2, 0.999);
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                    "AdamW epsilon must be a finite number above 0 (torch uses 1e-8), got " + epsilon);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                    "AdamW weight decay must be a finite number >= 0 (0 turns it off), got " + weightDecay);
        }
    }

    private static void checkBeta(String name, double value, double usual) {
        if (!(value >= 0 && value < 1)) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                    "AdamW " + name + " must be in [0, 1) (torch uses " + usual + "), got " + value);
        }
    }
}
