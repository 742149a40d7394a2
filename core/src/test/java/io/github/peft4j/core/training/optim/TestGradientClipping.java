package io.github.peft4j.core.training.optim;

import static io.github.peft4j.core.training.optim.TestAdamW.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.testing.EngineManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class TestGradientClipping {
    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    private static final float[] FIRST = {0.5f, -1.25f, 3f, 0.1f, -2f, 0.75f};
    private static final float[] SECOND = {-4f, 0.3f, 1.5f};

    @Test
    void aboveTheMaximumEveryGradientIsScaledByTorchsCoefficient() {
        try (NDManager manager = ARRAYS.manager().newSubManager()) {
            List<NDArray> parameters = parameters(manager);
            double javaNorm = javaNorm();

            double total = GradientClipping.clipByGlobalNorm(parameters, 1.0);

            assertThat(total).isCloseTo(javaNorm, withinPercentage(1e-4));
            // torch: clamp((1 / (total + 1e-6)) * max_norm, max=1), all in float32.
            float coefficient = 1f / ((float) total + 1e-6f) * 1f;
            assertThat(coefficient).isLessThan(1f);
            assertThat(parameters.get(0).getGradient().toFloatArray()).containsExactly(scaled(FIRST, coefficient));
            assertThat(parameters.get(1).getGradient().toFloatArray()).containsExactly(scaled(SECOND, coefficient));
            assertThat(GradientClipping.clipByGlobalNorm(parameters, Double.POSITIVE_INFINITY))
                    .isCloseTo(1.0, within(1e-5));
        }
    }

    @Test
    void belowTheMaximumGradientsAreUntouched() {
        try (NDManager manager = ARRAYS.manager().newSubManager()) {
            List<NDArray> parameters = parameters(manager);
            NDArray frozen = manager.create(new float[] {100f, 100f});
            parameters.add(frozen);

            double total = GradientClipping.clipByGlobalNorm(parameters, 2 * javaNorm());

            assertThat(total).isCloseTo(javaNorm(), withinPercentage(1e-4));
            assertThat(parameters.get(0).getGradient().toFloatArray()).containsExactly(FIRST);
            assertThat(parameters.get(1).getGradient().toFloatArray()).containsExactly(SECOND);
            assertThat(frozen.toFloatArray()).containsExactly(100f, 100f);
            assertThat(GradientClipping.clipByGlobalNorm(List.of(frozen), 1.0)).isZero();
            assertThat(GradientClipping.clipByGlobalNorm(List.of(), 1.0)).isZero();
        }
    }

    @Test
    void maximumMustBePositive() {
        assertError(() -> GradientClipping.clipByGlobalNorm(List.of(), 0), StandardErrorCode.INVALID_ARGUMENT, "above 0");
        assertError(() -> GradientClipping.clipByGlobalNorm(List.of(), -1), StandardErrorCode.INVALID_ARGUMENT, "-1");
        assertError(() -> GradientClipping.clipByGlobalNorm(List.of(), Double.NaN), StandardErrorCode.INVALID_ARGUMENT, "NaN");
    }

    private static List<NDArray> parameters(NDManager manager) {
        List<NDArray> parameters = new ArrayList<>();
        parameters.add(Gradients.parameter(manager, new float[FIRST.length], new Shape(2, 3)));
        parameters.add(Gradients.parameter(manager, new float[SECOND.length], new Shape(3)));
        Gradients.set(parameters, List.of(FIRST, SECOND));
        return parameters;
    }

    private static double javaNorm() {
        double sum = 0;
        for (float g : FIRST) {
            sum += (double) g * g;
        }
        for (float g : SECOND) {
            sum += (double) g * g;
        }
        return Math.sqrt(sum);
    }

    private static float[] scaled(float[] values, float coefficient) {
        float[] scaled = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            scaled[i] = values[i] * coefficient;
        }
        return scaled;
    }
}
