package io.github.peft4j.core.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;

/** Gives parameters exact gradients through a real backward pass, leaving no arrays behind. */
final class Gradients {
    private Gradients() {}

    /** A float32 parameter that requires a gradient. */
    static NDArray parameter(NDManager manager, float[] values, Shape shape) {
        NDArray parameter = manager.create(values, shape);
        parameter.setRequiresGradient(true);
        return parameter;
    }

    /**
     * Sets the gradient of {@code parameters.get(i)} to exactly {@code values.get(i)}: the gradients are zeroed,
     * then {@code sum_i sum(p_i * values_i)} is differentiated.
     */
    static void set(List<NDArray> parameters, List<float[]> values) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDManager manager = parameters.get(0).getManager();
            NDArray zero = manager.full(new Shape(), 0f);
            for (NDArray parameter : parameters) {
                parameter.getGradient().muli(zero);
            }
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray loss = null;
                for (int i = 0; i < parameters.size(); i++) {
                    NDArray parameter = parameters.get(i);
                    NDArray term = parameter.mul(manager.create(values.get(i), parameter.getShape())).sum();
                    loss = loss == null ? term : loss.add(term);
                }
                collector.backward(loss);
            }
        }
    }
}
