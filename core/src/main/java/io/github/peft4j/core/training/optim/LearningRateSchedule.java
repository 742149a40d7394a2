package io.github.peft4j.core.training.optim;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;

/**
 * The learning rate of each update. Invalid arguments, to the factories or to {@link #rate}, are a
 * {@link PeftException} with {@link StandardErrorCode#INVALID_ARGUMENT}.
 */
@FunctionalInterface
public interface LearningRateSchedule {
    /** The learning rate for the update numbered step (0-based: the first update is step 0). */
    double rate(long step);

    /** The same learning rate for every update. */
    static LearningRateSchedule constant(double learningRate) {
        checkRate(learningRate);
        return step -> {
            checkStep(step);
            return learningRate;
        };
    }

    /**
     * Hugging Face {@code get_linear_schedule_with_warmup}: {@code learningRate * step / warmupSteps} while
     * {@code step < warmupSteps} (so the first update has rate 0 when there is a warm-up), then
     * {@code learningRate * max(0, (totalSteps - step) / max(1, totalSteps - warmupSteps))}, reaching 0 at
     * {@code totalSteps}. The factor is computed first and then multiplied by the rate, as {@code LambdaLR} does.
     *
     * @param warmupSteps updates of the linear warm-up, between 0 and {@code totalSteps}
     * @param totalSteps updates of the whole run, at least 0
     */
    static LearningRateSchedule linear(double learningRate, long warmupSteps, long totalSteps) {
        checkRate(learningRate);
        if (totalSteps < 0) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                    "The total number of training steps must be >= 0, got " + totalSteps);
        }
        if (warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Warm-up steps must be between 0 and the "
                    + "total number of training steps (" + totalSteps + "), got " + warmupSteps
                    + ": lower the warm-up or train for more steps");
        }
        return step -> {
            checkStep(step);
            double factor = step < warmupSteps
                    ? (double) step / Math.max(1, warmupSteps)
                    : Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
            return learningRate * factor;
        };
    }

    private static void checkRate(double learningRate) {
        if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                    "The learning rate must be a finite number >= 0, got " + learningRate);
        }
    }

    private static void checkStep(long step) {
        if (step < 0) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                    "Update numbers start at 0, got step " + step);
        }
    }
}
