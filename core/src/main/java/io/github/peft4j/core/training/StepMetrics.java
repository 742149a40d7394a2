package io.github.peft4j.core.training;

/**
 * What one optimizer step did.
 *
 * @param step 1-based optimizer step
 * @param epoch 1-based epoch the step belongs to
 * @param loss mean training loss of the step's predicted tokens, before the update
 * @param learningRate the rate the update used
 * @param gradientNorm global gradient norm before clipping
 * @param tokens real tokens processed by the step
 * @param seconds wall time of the step
 */
public record StepMetrics(long step, long totalSteps, int epoch, double loss, double learningRate, double gradientNorm, long tokens, double seconds) {
    public double tokensPerSecond() {
        return seconds > 0 ? tokens / seconds : 0;
    }
}
