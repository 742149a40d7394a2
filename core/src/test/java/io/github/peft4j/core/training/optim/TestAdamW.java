package io.github.peft4j.core.training.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.testing.EngineManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class TestAdamW {
    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    private static final String[] NAMES = {"prefix.embedding", "transform.bias", "transform.weight"};
    private static final Shape[] SHAPES = {new Shape(3, 4), new Shape(5), new Shape(2, 1, 3)};

    @Test
    void matchesADoublePrecisionReferenceOfTorchAdamW() {
        AdamWConfig config = new AdamWConfig(0.8, 0.95, 1e-6, 0.1);
        float[][] initial = initialWeights();
        float[][][] gradients = gradients(10, 11);
        double[] rates = new double[gradients.length];
        for (int t = 0; t < rates.length; t++) {
            rates[t] = 0.05 * (1 + t % 3) / 2;
        }

        double[][] expected = reference(config, initial, gradients, rates);

        try (NDManager manager = ARRAYS.manager().newSubManager()) {
            List<NDArray> parameters = parameters(manager, initial);
            try (AdamW optimizer = new AdamW(byName(parameters), config)) {
                for (int t = 0; t < gradients.length; t++) {
                    Gradients.set(parameters, List.of(gradients[t]));
                    optimizer.step(rates[t]);
                }
                assertThat(optimizer.steps()).isEqualTo(gradients.length);
            }
            double worst = 0;
            double moved = 0;
            for (int p = 0; p < parameters.size(); p++) {
                float[] actual = parameters.get(p).toFloatArray();
                for (int i = 0; i < actual.length; i++) {
                    worst = Math.max(worst, Math.abs(actual[i] - expected[p][i]) / Math.abs(expected[p][i]));
                    moved = Math.max(moved, Math.abs(expected[p][i] - initial[p][i]));
                }
            }
            assertThat(moved).as("the weights moved").isGreaterThan(0.1);
            assertThat(worst).as("largest relative difference to the reference").isLessThan(1e-6);
        }
    }

    @Test
    void defaultConfigFirstStepMovesEveryWeightByTheLearningRate() {
        try (NDManager manager = ARRAYS.manager().newSubManager()) {
            NDArray weight = Gradients.parameter(manager, new float[] {1f, -2f, 3f}, new Shape(3));
            Gradients.set(List.of(weight), List.of(new float[] {0.5f, -4f, 1e-3f}));
            try (AdamW optimizer = new AdamW(Map.of("w", weight), AdamWConfig.DEFAULT)) {
                optimizer.step(0.01);
            }
            // m_hat = g and v_hat = g^2 after one update, so each weight moves by lr * g / (|g| + eps).
            float[] actual = weight.toFloatArray();
            assertThat((double) actual[0]).isCloseTo(1 - 0.01, within(1e-6));
            assertThat((double) actual[1]).isCloseTo(-2 + 0.01, within(1e-6));
            assertThat((double) actual[2]).isCloseTo(3 - 0.01 * 1e-3 / (1e-3 + 1e-8), within(1e-6));
            assertThat(weight.getGradient().toFloatArray()).as("the step consumes the gradient").containsExactly(0f, 0f, 0f);
        }
    }

    @Test
    void resumingFromExportedStateIsBitIdenticalToAnUninterruptedRun() {
        AdamWConfig config = new AdamWConfig(0.9, 0.999, 1e-8, 0.01);
        float[][] initial = initialWeights();
        float[][][] gradients = gradients(6, 5);
        float[][] uninterrupted;
        try (NDManager manager = ARRAYS.manager().newSubManager()) {
            List<NDArray> parameters = parameters(manager, initial);
            try (AdamW optimizer = new AdamW(byName(parameters), config)) {
                for (int t = 0; t < 6; t++) {
                    Gradients.set(parameters, List.of(gradients[t]));
                    optimizer.step(0.02);
                }
            }
            uninterrupted = values(parameters);
        }

        float[][] savedWeights;
        Map<String, float[]> savedState = new LinkedHashMap<>();
        long savedSteps;
        try (NDManager manager = ARRAYS.manager().newSubManager()) {
            List<NDArray> parameters = parameters(manager, initial);
            try (AdamW optimizer = new AdamW(byName(parameters), config)) {
                for (int t = 0; t < 3; t++) {
                    Gradients.set(parameters, List.of(gradients[t]));
                    optimizer.step(0.02);
                }
                assertThat(optimizer.state().keySet()).containsExactly("prefix.embedding.exp_avg",
                        "prefix.embedding.exp_avg_sq", "transform.bias.exp_avg", "transform.bias.exp_avg_sq",
                        "transform.weight.exp_avg", "transform.weight.exp_avg_sq");
                optimizer.state().forEach((name, array) -> savedState.put(name, array.toFloatArray()));
                savedSteps = optimizer.steps();
            }
            savedWeights = values(parameters);
        }

        try (NDManager manager = ARRAYS.manager().newSubManager()) {
            List<NDArray> parameters = parameters(manager, savedWeights);
            try (AdamW optimizer = new AdamW(byName(parameters), config)) {
                try (NDManager checkpoint = manager.newSubManager()) {
                    Map<String, NDArray> loaded = new LinkedHashMap<>();
                    savedState.forEach((name, values) -> loaded.put(name,
                            checkpoint.create(values, optimizer.state().get(name).getShape())));
                    optimizer.loadState(loaded, savedSteps);
                }
                assertThat(optimizer.steps()).isEqualTo(3);
                assertThat(optimizer.state().get("transform.bias.exp_avg_sq").toFloatArray())
                        .containsExactly(savedState.get("transform.bias.exp_avg_sq"));
                for (int t = 3; t < 6; t++) {
                    Gradients.set(parameters, List.of(gradients[t]));
                    optimizer.step(0.02);
                }
                assertThat(optimizer.steps()).isEqualTo(6);
            }
            float[][] resumed = values(parameters);
            for (int p = 0; p < resumed.length; p++) {
                assertThat(resumed[p]).as(NAMES[p]).containsExactly(uninterrupted[p]);
            }
        }
    }

    @Test
    void loadStateRejectsMissingAndMisShapedEntriesAndKeepsItsState() {
        try (NDManager manager = ARRAYS.manager().newSubManager()) {
            List<NDArray> parameters = parameters(manager, initialWeights());
            try (AdamW optimizer = new AdamW(byName(parameters), AdamWConfig.DEFAULT)) {
                Gradients.set(parameters, List.of(gradients(1, 3)[0]));
                optimizer.step(0.1);
                float[] before = optimizer.state().get("prefix.embedding.exp_avg").toFloatArray();

                Map<String, NDArray> complete = new LinkedHashMap<>();
                optimizer.state().forEach((name, array) -> complete.put(name, manager.zeros(array.getShape())));
                complete.put("unrelated.tensor", manager.ones(new Shape(7)));

                Map<String, NDArray> missing = new LinkedHashMap<>(complete);
                missing.remove("transform.bias.exp_avg_sq");
                assertError(() -> optimizer.loadState(missing, 5), StandardErrorCode.MALFORMED_CHECKPOINT,
                        "'transform.bias.exp_avg_sq'");

                Map<String, NDArray> misShaped = new LinkedHashMap<>(complete);
                misShaped.put("transform.weight.exp_avg", manager.zeros(new Shape(3, 2)));
                assertError(() -> optimizer.loadState(misShaped, 5), StandardErrorCode.MALFORMED_CHECKPOINT,
                        "'transform.weight.exp_avg'", "(3, 2)", "(2, 1, 3)");

                Map<String, NDArray> misTyped = new LinkedHashMap<>(complete);
                misTyped.put("transform.bias.exp_avg", manager.zeros(new Shape(5), DataType.FLOAT64));
                assertError(() -> optimizer.loadState(misTyped, 5), StandardErrorCode.MALFORMED_CHECKPOINT,
                        "'transform.bias.exp_avg'", "float64");

                assertError(() -> optimizer.loadState(complete, -1), StandardErrorCode.MALFORMED_CHECKPOINT, "-1");

                assertThat(optimizer.steps()).isEqualTo(1);
                assertThat(optimizer.state().get("prefix.embedding.exp_avg").toFloatArray()).containsExactly(before);

                optimizer.loadState(complete, 5);
                assertThat(optimizer.steps()).isEqualTo(5);
                assertThat(optimizer.state().get("prefix.embedding.exp_avg").toFloatArray()).containsOnly(0f);
            }
        }
    }

    @Test
    void invalidParametersAndLearningRatesAreRejected() {
        try (NDManager manager = ARRAYS.manager().newSubManager()) {
            assertError(() -> new AdamW(Map.of(), AdamWConfig.DEFAULT), StandardErrorCode.INVALID_ARGUMENT,
                    "at least one parameter");
            NDArray doubles = manager.zeros(new Shape(2), DataType.FLOAT64);
            assertError(() -> new AdamW(Map.of("d", doubles), AdamWConfig.DEFAULT), StandardErrorCode.INVALID_ARGUMENT,
                    "'d'", "float64", "float32");

            NDArray trained = Gradients.parameter(manager, new float[] {1f, 2f}, new Shape(2));
            NDArray frozen = manager.create(new float[] {3f, 4f});
            Gradients.set(List.of(trained), List.of(new float[] {1f, 1f}));
            Map<String, NDArray> parameters = new LinkedHashMap<>();
            parameters.put("trained", trained);
            parameters.put("frozen", frozen);
            try (AdamW optimizer = new AdamW(parameters, AdamWConfig.DEFAULT)) {
                assertError(() -> optimizer.step(-0.1), StandardErrorCode.INVALID_ARGUMENT, "-0.1");
                assertError(() -> optimizer.step(Double.NaN), StandardErrorCode.INVALID_ARGUMENT, "NaN");
                assertError(() -> optimizer.step(0.1), StandardErrorCode.INVALID_ARGUMENT, "'frozen'",
                        "setRequiresGradient");
                assertThat(trained.toFloatArray()).containsExactly(1f, 2f);
                assertThat(optimizer.steps()).isZero();
            }
        }
    }

    @Test
    void configValidatesEveryField() {
        assertThat(AdamWConfig.DEFAULT).isEqualTo(new AdamWConfig(0.9, 0.999, 1e-8, 0.0));
        assertError(() -> new AdamWConfig(1.0, 0.999, 1e-8, 0), StandardErrorCode.INVALID_ARGUMENT, "beta1", "[0, 1)");
        assertError(() -> new AdamWConfig(-0.1, 0.999, 1e-8, 0), StandardErrorCode.INVALID_ARGUMENT, "beta1");
        assertError(() -> new AdamWConfig(0.9, Double.NaN, 1e-8, 0), StandardErrorCode.INVALID_ARGUMENT, "beta2");
        assertError(() -> new AdamWConfig(0.9, 0.999, 0, 0), StandardErrorCode.INVALID_ARGUMENT, "epsilon", "above 0");
        assertError(() -> new AdamWConfig(0.9, 0.999, 1e-8, -0.01), StandardErrorCode.INVALID_ARGUMENT,
                "weight decay", "-0.01");
        assertThat(new AdamWConfig(0.0, 0.0, 1e-3, 0.5).weightDecay()).isEqualTo(0.5);
    }

    @Test
    void memoryStaysFlatOverManyStepsAndCloseFreesTheState() {
        try (NDManager manager = ARRAYS.manager().newSubManager()) {
            List<NDArray> parameters = parameters(manager, initialWeights());
            Gradients.set(parameters, List.of(gradients(1, 9)[0]));
            int withoutOptimizer = manager.getManagedArrays().size();
            AdamW optimizer = new AdamW(byName(parameters), new AdamWConfig(0.9, 0.999, 1e-8, 0.01));
            int before = manager.getManagedArrays().size();
            assertThat(before).as("two moments per parameter").isEqualTo(withoutOptimizer + 2 * parameters.size());

            for (int t = 0; t < 50; t++) {
                GradientClipping.clipByGlobalNorm(parameters, 1.0);
                optimizer.step(0.01);
            }

            assertThat(manager.getManagedArrays()).hasSize(before);
            optimizer.close();
            optimizer.close();
            assertThat(manager.getManagedArrays()).hasSize(withoutOptimizer);
            assertThatThrownBy(() -> optimizer.step(0.01)).isInstanceOf(IllegalStateException.class);
        }
    }

    /** torch.optim.AdamW's update in double precision, straight from its documented formula. */
    private static double[][] reference(AdamWConfig config, float[][] initial, float[][][] gradients, double[] rates) {
        double[][] w = new double[initial.length][];
        double[][] m = new double[initial.length][];
        double[][] v = new double[initial.length][];
        for (int p = 0; p < initial.length; p++) {
            w[p] = new double[initial[p].length];
            for (int i = 0; i < w[p].length; i++) {
                w[p][i] = initial[p][i];
            }
            m[p] = new double[w[p].length];
            v[p] = new double[w[p].length];
        }
        double b1 = config.beta1();
        double b2 = config.beta2();
        for (int step = 0; step < gradients.length; step++) {
            int t = step + 1;
            double lr = rates[step];
            for (int p = 0; p < w.length; p++) {
                for (int i = 0; i < w[p].length; i++) {
                    double g = gradients[step][p][i];
                    w[p][i] *= 1 - lr * config.weightDecay();
                    m[p][i] = b1 * m[p][i] + (1 - b1) * g;
                    v[p][i] = b2 * v[p][i] + (1 - b2) * g * g;
                    double mHat = m[p][i] / (1 - Math.pow(b1, t));
                    double vHat = v[p][i] / (1 - Math.pow(b2, t));
                    w[p][i] -= lr * mHat / (Math.sqrt(vHat) + config.epsilon());
                }
            }
        }
        return w;
    }

    /** Weights between 0.5 and 2 in magnitude, so that relative differences are meaningful. */
    private static float[][] initialWeights() {
        Random random = new Random(42);
        float[][] weights = new float[SHAPES.length][];
        for (int p = 0; p < SHAPES.length; p++) {
            weights[p] = new float[(int) SHAPES[p].size()];
            for (int i = 0; i < weights[p].length; i++) {
                float magnitude = 0.5f + 1.5f * random.nextFloat();
                weights[p][i] = random.nextBoolean() ? magnitude : -magnitude;
            }
        }
        return weights;
    }

    /** {@code steps} sets of gradients whose scale changes from step to step (0.1, 1, 10). */
    private static float[][][] gradients(int steps, long seed) {
        Random random = new Random(seed);
        float[][][] gradients = new float[steps][SHAPES.length][];
        for (int t = 0; t < steps; t++) {
            float scale = (float) Math.pow(10, t % 3 - 1);
            for (int p = 0; p < SHAPES.length; p++) {
                gradients[t][p] = new float[(int) SHAPES[p].size()];
                for (int i = 0; i < gradients[t][p].length; i++) {
                    gradients[t][p][i] = scale * (2 * random.nextFloat() - 1);
                }
            }
        }
        return gradients;
    }

    private static List<NDArray> parameters(NDManager manager, float[][] values) {
        List<NDArray> parameters = new ArrayList<>();
        for (int p = 0; p < SHAPES.length; p++) {
            parameters.add(Gradients.parameter(manager, values[p], SHAPES[p]));
        }
        return parameters;
    }

    private static Map<String, NDArray> byName(List<NDArray> parameters) {
        Map<String, NDArray> byName = new LinkedHashMap<>();
        for (int p = 0; p < parameters.size(); p++) {
            byName.put(NAMES[p], parameters.get(p));
        }
        return byName;
    }

    private static float[][] values(List<NDArray> parameters) {
        return parameters.stream().map(NDArray::toFloatArray).toArray(float[][]::new);
    }

    static void assertError(ThrowingCallable call, StandardErrorCode code, String... fragments) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(PeftException.class,
                        e -> assertThat(e.getErrorCode()).isEqualTo(code.toErrorCode()))
                .hasMessageContainingAll(fragments);
    }
}
