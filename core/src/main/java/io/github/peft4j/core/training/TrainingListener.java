package io.github.peft4j.core.training;

/** Follows a training run; every method defaults to doing nothing. Called on the training thread. */
public interface TrainingListener {
    /** Before the first step (also when resuming): the plan and the trainable parameter count. */
    default void onStart(TrainingPlan plan) {}

    default void onStep(StepMetrics step) {}

    default void onEvaluation(EvaluationMetrics evaluation) {}

    /** After the last step, or after early stopping. */
    default void onEnd(TrainingResult result) {}
}
