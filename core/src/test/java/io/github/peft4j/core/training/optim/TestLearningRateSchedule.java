package io.github.peft4j.core.training.optim;

import static io.github.peft4j.core.training.optim.TestAdamW.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.spi.StandardErrorCode;
import org.junit.jupiter.api.Test;

final class TestLearningRateSchedule {
    @Test
    void constantIsTheSameForEveryStep() {
        LearningRateSchedule schedule = LearningRateSchedule.constant(3e-4);

        assertThat(schedule.rate(0)).isEqualTo(3e-4);
        assertThat(schedule.rate(1_000_000)).isEqualTo(3e-4);
        assertThat(LearningRateSchedule.constant(0).rate(5)).isZero();
    }

    @Test
    void linearWarmsUpThenDecaysToZeroLikeHuggingFace() {
        LearningRateSchedule schedule = LearningRateSchedule.linear(0.1, 4, 10);

        // get_linear_schedule_with_warmup: LambdaLR multiplies the base rate by the factor.
        assertThat(schedule.rate(0)).isZero();
        assertThat(schedule.rate(1)).isEqualTo(0.1 * (1.0 / 4));
        assertThat(schedule.rate(3)).isEqualTo(0.1 * (3.0 / 4));
        assertThat(schedule.rate(4)).isEqualTo(0.1);
        assertThat(schedule.rate(7)).isEqualTo(0.1 * (3.0 / 6));
        assertThat(schedule.rate(9)).isEqualTo(0.1 * (1.0 / 6));
        assertThat(schedule.rate(10)).isZero();
        assertThat(schedule.rate(25)).isZero();
    }

    @Test
    void linearWithoutWarmupStartsAtTheFullRate() {
        LearningRateSchedule schedule = LearningRateSchedule.linear(2e-5, 0, 8);

        assertThat(schedule.rate(0)).isEqualTo(2e-5);
        assertThat(schedule.rate(2)).isEqualTo(2e-5 * (6.0 / 8));
        assertThat(schedule.rate(8)).isZero();
        // All warm-up: the rate never leaves the ramp before the end (max(1, 0) keeps the decay finite).
        LearningRateSchedule allWarmup = LearningRateSchedule.linear(1.0, 5, 5);
        assertThat(allWarmup.rate(4)).isEqualTo(0.8);
        assertThat(allWarmup.rate(5)).isZero();
    }

    @Test
    void invalidArgumentsAreRejected() {
        assertError(() -> LearningRateSchedule.constant(-1e-3), StandardErrorCode.INVALID_ARGUMENT, "learning rate", "-0.001");
        assertError(() -> LearningRateSchedule.constant(Double.NaN), StandardErrorCode.INVALID_ARGUMENT, "NaN");
        assertError(() -> LearningRateSchedule.linear(-0.1, 0, 10), StandardErrorCode.INVALID_ARGUMENT, "learning rate");
        assertError(() -> LearningRateSchedule.linear(Double.POSITIVE_INFINITY, 0, 10), StandardErrorCode.INVALID_ARGUMENT,
                "Infinity");
        assertError(() -> LearningRateSchedule.linear(0.1, 11, 10), StandardErrorCode.INVALID_ARGUMENT, "Warm-up", "(10)", "11");
        assertError(() -> LearningRateSchedule.linear(0.1, -1, 10), StandardErrorCode.INVALID_ARGUMENT, "Warm-up", "-1");
        assertError(() -> LearningRateSchedule.linear(0.1, 0, -1), StandardErrorCode.INVALID_ARGUMENT, "total", "-1");
        assertError(() -> LearningRateSchedule.constant(0.1).rate(-1), StandardErrorCode.INVALID_ARGUMENT, "step -1");
        assertError(() -> LearningRateSchedule.linear(0.1, 2, 10).rate(-3), StandardErrorCode.INVALID_ARGUMENT, "step -3");
    }
}
