package io.github.peft4j.core.training;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.OptionalLong;

/**
 * How to train. The defaults are the paper's table-to-text settings where it states them (AdamW without weight
 * decay, linear decay, no warmup on full data, gradient clipping at 1.0).
 *
 * @param learningRate peak learning rate
 * @param schedule {@link Schedule#CONSTANT} or {@link Schedule#LINEAR} (warmup, then linear decay to 0)
 * @param warmupSteps optimizer steps of linear warmup
 * @param epochs passes over the data, unless {@code maxSteps} is given
 * @param maxSteps stop after this many optimizer steps (overrides epochs)
 * @param batchSize examples per forward pass
 * @param gradientAccumulation forward passes per optimizer step
 * @param maxGradNorm clip the global gradient norm to this; 0 = no clipping
 * @param weightDecay AdamW's decoupled weight decay
 * @param shuffle shuffle the examples each epoch (seeded)
 * @param seed seeds shuffling; equal seeds give equal runs
 * @param evalEverySteps evaluate on the dev set every this many steps; 0 = at the end of each epoch
 * @param earlyStoppingPatience stop after this many evaluations without a better dev loss; 0 = never
 */
public record TrainingConfig(
        double learningRate,
        Schedule schedule,
        long warmupSteps,
        int epochs,
        OptionalLong maxSteps,
        int batchSize,
        int gradientAccumulation,
        double maxGradNorm,
        double weightDecay,
        boolean shuffle,
        long seed,
        long evalEverySteps,
        int earlyStoppingPatience) {
    /** The learning-rate schedule. */
    public enum Schedule {
        CONSTANT,
        LINEAR
    }

    public TrainingConfig {
        check(learningRate > 0 && Double.isFinite(learningRate), "the learning rate must be positive, got " + learningRate);
        check(warmupSteps >= 0, "warmup steps must be >= 0, got " + warmupSteps);
        check(epochs > 0, "epochs must be positive, got " + epochs);
        check(maxSteps.isEmpty() || maxSteps.getAsLong() > 0, "max steps must be positive");
        check(batchSize > 0, "the batch size must be positive, got " + batchSize);
        check(gradientAccumulation > 0, "gradient accumulation must be positive, got " + gradientAccumulation);
        check(maxGradNorm >= 0, "the gradient clipping norm must be >= 0 (0 = off), got " + maxGradNorm);
        check(weightDecay >= 0, "weight decay must be >= 0, got " + weightDecay);
        check(evalEverySteps >= 0, "evaluation interval must be >= 0 (0 = every epoch), got " + evalEverySteps);
        check(earlyStoppingPatience >= 0, "early-stopping patience must be >= 0 (0 = off), got " + earlyStoppingPatience);
        if (schedule == null) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "a schedule is required");
        }
    }

    /** The paper's E2E settings: lr 8e-5, 5 epochs, batch 10, linear decay, clipping at 1.0, seed 1. */
    public static TrainingConfig paperDefaults() {
        return new TrainingConfig(8e-5, Schedule.LINEAR, 0, 5, OptionalLong.empty(), 10, 1, 1.0, 0.0, true, 1, 0, 0);
    }

    /** Optimizer steps in one epoch of {@code examples} examples. */
    public long stepsPerEpoch(int examples) {
        long batches = (examples + batchSize - 1) / batchSize;
        return Math.max(1, (batches + gradientAccumulation - 1) / gradientAccumulation);
    }

    /** Optimizer steps of the whole run. */
    public long totalSteps(int examples) {
        return maxSteps.orElse(epochs * stepsPerEpoch(examples));
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Invalid training option: " + message);
        }
    }
}
