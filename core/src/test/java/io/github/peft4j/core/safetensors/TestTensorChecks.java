package io.github.peft4j.core.safetensors;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.testing.EngineManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class TestTensorChecks {
    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    @Test
    void finiteAndIntegerTensorsPass() {
        NDManager manager = ARRAYS.manager();
        assertThatCode(() -> TensorChecks.requireFinite(manager.create(new float[] {1, -2, 3e30f}), "t")).doesNotThrowAnyException();
        assertThatCode(() -> TensorChecks.requireFinite(manager.create(new long[] {Long.MAX_VALUE}), "t")).doesNotThrowAnyException();
        assertThatCode(() -> TensorChecks.requireFinite(manager.create(new float[0]), "t")).doesNotThrowAnyException();
    }

    @Test
    void nanOrInfinityIsRefusedNamingTheTensorAndTheFirstIndex() {
        NDManager manager = ARRAYS.manager();
        float[] values = {0, 1, Float.NaN, Float.POSITIVE_INFINITY, 2, 3};
        assertThatThrownBy(() -> TensorChecks.requireFinite(manager.create(values, new Shape(2, 3)), "prompt_embeddings in a.safetensors"))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("prompt_embeddings in a.safetensors holds 2 non-finite")
                .hasMessageContaining("flat index 2 of shape (2, 3)");
        assertThatThrownBy(() -> TensorChecks.requireFinite(manager.create(new double[] {Double.NEGATIVE_INFINITY}), "w"))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("w holds 1 non-finite");
    }

    @Test
    void finiteValuesWhoseSumOverflowsPass() {
        NDManager manager = ARRAYS.manager();
        float[] huge = {Float.MAX_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MAX_VALUE};
        assertThatCode(() -> TensorChecks.requireFinite(manager.create(huge), "t")).doesNotThrowAnyException();
    }
}
