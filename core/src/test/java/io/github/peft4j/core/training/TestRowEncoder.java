package io.github.peft4j.core.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.testing.EngineManager;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The shared reparameterisation of virtual-token rows, and the target starts a batch hands the backend. */
final class TestRowEncoder {
    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    private static RowEncoder encoder(NDManager manager, int rows, int mlpWidth, int hidden, int width, long seed) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        Map<String, Shape> shapes = RowEncoder.shapes(rows, mlpWidth, hidden, width);
        Map<String, float[]> values = RowEncoder.randomValues(shapes, new SplittableRandom(seed));
        shapes.forEach((name, shape) -> arrays.put(name, manager.create(values.get(name), shape)));
        return new RowEncoder("test_module.", rows, mlpWidth, hidden, width, arrays);
    }

    @Test
    void flatRowsAreTheEmbeddingAndMlpRowsHaveTheRowWidth() {
        try (NDManager manager = ARRAYS.manager().newSubManager(); NDManager pass = ARRAYS.manager().newSubManager()) {
            RowEncoder flat = encoder(manager, 3, 0, 8, 20, 1);
            assertThat(flat.parameters()).containsOnlyKeys("test_module.embedding.weight");
            assertThat(flat.rows(pass).toFloatArray()).containsExactly(flat.parameters().get("test_module.embedding.weight").toFloatArray());

            RowEncoder mlp = encoder(manager, 3, 5, 8, 20, 1);
            assertThat(mlp.parameters().keySet()).containsExactly("test_module.embedding.weight", "test_module.transform.0.weight",
                    "test_module.transform.0.bias", "test_module.transform.2.weight", "test_module.transform.2.bias");
            NDArray rows = mlp.rows(pass);
            assertThat(rows.getShape()).isEqualTo(new Shape(3, 20));
            assertThat(rows.getManager()).isSameAs(pass);
            assertThat(mlp.exportedSize()).isEqualTo(60);
            assertThat(((BaseNDManager) manager).getManagedArrays()).as("a pass leaves nothing in the parameters' manager").hasSize(6);
        }
    }

    @Test
    void fitApproachesTheTargetAndLeavesNoGradient() {
        try (NDManager manager = ARRAYS.manager().newSubManager(); NDManager scratch = ARRAYS.manager().newSubManager()) {
            RowEncoder mlp = encoder(manager, 2, 6, 4, 10, 3);
            float[] target = new float[20];
            for (int i = 0; i < target.length; i++) {
                target[i] = (float) Math.sin(i);
            }
            NDArray wanted = scratch.create(target, new Shape(2, 10));
            double before = mlp.rows(scratch).sub(wanted).square().mean().getFloat();
            mlp.fit(wanted, scratch);
            double after = mlp.rows(scratch).sub(wanted).square().mean().getFloat();
            assertThat(after).as("MSE after the fit (%s before)", before).isLessThan(before);
            mlp.parameters().values().forEach(parameter -> assertThat(parameter.hasGradient()).isFalse());
            assertThatThrownBy(() -> mlp.fit(scratch.zeros(new Shape(3, 10)), scratch)).isInstanceOf(PeftException.class).hasMessageContaining("[2, 10]");
        }
    }

    @Test
    void randomValuesAreTorchDefaultsAndSeeded() {
        Map<String, Shape> shapes = RowEncoder.shapes(4, 16, 8, 12);
        Map<String, float[]> one = RowEncoder.randomValues(shapes, new SplittableRandom(5));
        Map<String, float[]> same = RowEncoder.randomValues(shapes, new SplittableRandom(5));
        one.forEach((name, values) -> assertThat(same.get(name)).as(name).containsExactly(values));
        for (float value : one.get(RowEncoder.OUTPUT_WEIGHT)) {
            assertThat(Math.abs(value)).isLessThanOrEqualTo((float) (1 / Math.sqrt(16)));
        }
    }

    @Test
    void aBatchSaysWhereEachRowsTargetStarts() {
        CausalLmBatch batch = CausalLmBatch.of(List.of(new TrainingExample(new long[] {1, 2, 3}, new long[] {4}),
                new TrainingExample(new long[] {}, new long[] {5, 6}), new TrainingExample(new long[] {7}, new long[] {8, 9, 10})), 0);
        assertThat(batch.targetStarts()).containsExactly(3, 0, 1);
        try (NDManager pass = ARRAYS.manager().newSubManager()) {
            ForwardInput input = batch.toInput(pass);
            assertThat(input.targetStart()).isPresent();
            assertThat(input.targetStart().get().toLongArray()).containsExactly(3, 0, 1);
            assertThat(input.inputIds().toLongArray()).hasSize(12);
        }
    }

    @Test
    void forwardInputKeepsItsTargetStartThroughTheWithers() {
        try (NDManager pass = ARRAYS.manager().newSubManager()) {
            NDArray ids = pass.create(new long[][] {{1, 2}});
            ForwardInput input = ForwardInput.of(ids).withTargetStart(pass.create(new long[] {1})).withAttentionMask(pass.create(new long[][] {{1, 1}}))
                    .withPositionIds(pass.create(new long[][] {{0, 1}}));
            assertThat(input.targetStart().orElseThrow().toLongArray()).containsExactly(1);
            assertThat(new ForwardInput(ids, input.attentionMask(), input.positionIds(), input.decoderInputIds(), input.decoderAttentionMask()).targetStart())
                    .as("the five-argument constructor has none").isEmpty();
        }
    }
}
