package io.github.peft4j.core.training;

/**
 * What a run is about to do.
 *
 * @param firstStep the 1-based step the run starts at (greater than 1 when resuming)
 * @param trainableParameters parameters the optimizer updates
 */
public record TrainingPlan(long firstStep, long totalSteps, long stepsPerEpoch, int examples, long trainableParameters) {}
