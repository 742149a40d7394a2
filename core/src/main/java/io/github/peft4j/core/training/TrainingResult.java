package io.github.peft4j.core.training;

import java.util.OptionalDouble;

/**
 * How a run ended.
 *
 * @param steps optimizer steps completed in all (resumed runs included)
 * @param lastLoss training loss of the last step
 * @param bestDevLoss the best dev loss, when a dev set was given
 * @param stoppedEarly whether early stopping ended the run
 */
public record TrainingResult(long steps, double lastLoss, OptionalDouble bestDevLoss, boolean stoppedEarly) {}
