package io.github.peft4j.core.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class TestFusedOps {
    private static final float[] INPUTS = {-6f, -3f, -1.5f, -0.5f, -1e-3f, 0f, 1e-3f, 0.5f, 1.5f, 3f, 6f, 0.044715f};

    @Test
    void geluTanhMatchesTheFormulaAndItsDerivative() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(INPUTS, new Shape(3, 4));
            x.setRequiresGradient(true);
            NDArray y;
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                y = FusedOps.geluTanh(x);
                collector.backward(y.sum());
            }
            float[] values = y.toFloatArray();
            float[] gradients = x.getGradient().toFloatArray();
            assertThat(y.getShape()).isEqualTo(new Shape(3, 4));
            assertThat(y.getManager()).isSameAs(manager);
            for (int i = 0; i < INPUTS.length; i++) {
                assertThat(values[i]).as("gelu(%s)", INPUTS[i]).isCloseTo((float) gelu(INPUTS[i]), within(1e-6f));
                assertThat(gradients[i]).as("gelu'(%s)", INPUTS[i]).isCloseTo((float) geluDerivative(INPUTS[i]), within(1e-6f));
            }
        }
    }

    @Test
    void geluTanhOfAnArrayThatNeedsNoGradientMakesNone() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray y = FusedOps.geluTanh(manager.create(INPUTS));
            assertThat(y.toFloatArray()[8]).isCloseTo((float) gelu(1.5), within(1e-6f));
            assertThat(y.hasGradient()).isFalse();
        }
    }

    @Test
    void linearBf16IsTheFloat32LinearToBfloat16Precision() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(7);
            NDArray x = manager.randomNormal(new Shape(2, 3, 16));
            NDArray weight = manager.randomNormal(new Shape(8, 16));
            NDArray bias = manager.randomNormal(new Shape(8));
            weight.setName("h.0.attn.c_attn.weight");
            NDArray weightBf16 = FusedOps.toBf16(weight);
            NDArray biasBf16 = FusedOps.toBf16(bias);
            assertThat(weight.getName()).as("a weight keeps its name").isEqualTo("h.0.attn.c_attn.weight");
            x.setRequiresGradient(true);
            NDArray y;
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                y = FusedOps.linearBf16(x, weightBf16, biasBf16);
                collector.backward(y.mul(y).sum());
            }
            NDArray exact = Linear.linear(x.stopGradient(), weight, bias).singletonOrThrow();
            assertThat(y.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(y.getShape()).isEqualTo(new Shape(2, 3, 8));
            float scale = exact.abs().max().getFloat();
            // Inputs, weights and outputs each carry bf16's relative rounding of 2^-9; sums of 16 products add a few more.
            assertThat(y.sub(exact).abs().max().getFloat()).isLessThan(0.02f * scale).isGreaterThan(0f);
            NDArray exactGradient = exact.mul(2).matMul(weight);
            float gradientScale = exactGradient.abs().max().getFloat();
            assertThat(x.getGradient().sub(exactGradient).abs().max().getFloat()).isLessThan(0.03f * gradientScale);
        }
    }

    @Test
    void attentionIsTheSoftmaxOfScaledMaskedScoresTimesValues() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(5);
            NDArray query = manager.randomNormal(new Shape(2, 3, 4, 8));
            NDArray keys = manager.randomNormal(new Shape(2, 3, 6, 8));
            NDArray values = manager.randomNormal(new Shape(2, 3, 6, 8));
            float[] mask = new float[2 * 4 * 6];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = (i * 7) % 5 == 0 ? -Float.MAX_VALUE : 0f; // a few masked columns per row, never all
            }
            NDArray additiveMask = manager.create(mask, new Shape(2, 1, 4, 6));
            for (NDArray input : new NDArray[] {query, keys, values}) {
                input.setRequiresGradient(true);
            }
            NDArray fused;
            NDArray[] fusedGradients;
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                fused = FusedOps.attention(query, keys, values, additiveMask, 0.3f);
                collector.backward(fused.mul(fused).sum());
            }
            fusedGradients = new NDArray[] {query.getGradient().duplicate(), keys.getGradient().duplicate(), values.getGradient().duplicate()};
            for (NDArray input : new NDArray[] {query, keys, values}) {
                input.getGradient().subi(input.getGradient()); // backward adds to what is there
            }
            NDArray explicit;
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray scores = query.matMul(keys.transpose(0, 1, 3, 2)).mul(manager.create(0.3f)).add(additiveMask);
                explicit = scores.softmax(3).matMul(values);
                collector.backward(explicit.mul(explicit).sum());
            }
            assertThat(fused.getShape()).isEqualTo(new Shape(2, 3, 4, 8));
            assertThat(fused.sub(explicit).abs().max().getFloat()).isLessThan(1e-5f);
            NDArray[] inputs = {query, keys, values};
            for (int i = 0; i < inputs.length; i++) {
                assertThat(fusedGradients[i].sub(inputs[i].getGradient()).abs().max().getFloat()).as("gradient %d", i).isLessThan(1e-4f);
            }
        }
    }

    private static final double C = Math.sqrt(2 / Math.PI);

    private static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(C * (x + 0.044715 * x * x * x)));
    }

    private static double geluDerivative(double x) {
        double t = Math.tanh(C * (x + 0.044715 * x * x * x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * C * (1 + 3 * 0.044715 * x * x);
    }
}
