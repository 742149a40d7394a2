package io.github.peft4j.core.training;

/**
 * A dev-set evaluation.
 *
 * @param step the optimizer step after which it ran
 * @param loss mean loss per predicted dev token
 * @param best whether it is the best so far (and was saved as the best checkpoint)
 */
public record EvaluationMetrics(long step, int epoch, double loss, boolean best) {}
