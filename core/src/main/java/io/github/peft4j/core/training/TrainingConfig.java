package io.github.peft4j.core.training;

import static java.util.Objects.requireNonNull;

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
        TrainingOption.LEARNING_RATE.require(Double.isFinite(learningRate) && learningRate > 0, "must be a finite number greater than 0", learningRate);
        TrainingOption.SCHEDULE.require(schedule != null, "must be constant or linear", schedule);
        TrainingOption.WARMUP.require(warmupSteps >= 0, "must be at least 0", warmupSteps);
        TrainingOption.EPOCHS.require(epochs >= 1, "must be at least 1", epochs);
        requireNonNull(maxSteps, "maxSteps");
        TrainingOption.STEPS.require(maxSteps.orElse(1) >= 1, "must be at least 1", maxSteps.orElse(1));
        TrainingOption.BATCH_SIZE.require(batchSize >= 1, "must be at least 1", batchSize);
        TrainingOption.GRADIENT_ACCUMULATION.require(gradientAccumulation >= 1, "must be at least 1", gradientAccumulation);
        TrainingOption.MAX_GRAD_NORM.require(Double.isFinite(maxGradNorm) && maxGradNorm >= 0, "must be a finite number of at least 0 (0 = no clipping)",
                maxGradNorm);
        TrainingOption.WEIGHT_DECAY.require(Double.isFinite(weightDecay) && weightDecay >= 0, "must be a finite number of at least 0", weightDecay);
        TrainingOption.EVAL_EVERY.require(evalEverySteps >= 0, "must be at least 0 (0 = at the end of every epoch)", evalEverySteps);
        TrainingOption.EARLY_STOPPING.require(earlyStoppingPatience >= 0, "must be at least 0 (0 = never stop early)", earlyStoppingPatience);
    }

    /** The paper's E2E settings: lr 8e-5, 5 epochs, batch 10, linear decay, clipping at 1.0, seed 1. */
    public static TrainingConfig paperDefaults() {
        return new TrainingConfig(8e-5, Schedule.LINEAR, 0, 5, OptionalLong.empty(), 10, 1, 1.0, 0.0, true, 1, 0, 0);
    }

    /** Optimizer steps in one epoch of {@code examples} examples. */
    public long stepsPerEpoch(int examples) {
        long batches = ((long) examples + batchSize - 1) / batchSize;
        return Math.max(1, (batches + gradientAccumulation - 1) / gradientAccumulation);
    }

    /** Optimizer steps of the whole run. */
    public long totalSteps(int examples) {
        return maxSteps.orElse(epochs * stepsPerEpoch(examples));
    }
}
