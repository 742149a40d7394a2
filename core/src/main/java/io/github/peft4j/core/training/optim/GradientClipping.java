package io.github.peft4j.core.training.optim;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Gradient clipping as {@code torch.nn.utils.clip_grad_norm_} does it. */
public final class GradientClipping {
    /** What torch adds to the total norm before dividing by it. */
    private static final float NORM_EPSILON = 1e-6f;

    private GradientClipping() {}

    /**
     * {@code torch.nn.utils.clip_grad_norm_(parameters, maxNorm)} (norm type 2, {@code error_if_nonfinite=False},
     * foreach): the total norm is the 2-norm of the per-gradient 2-norms, in float32; every gradient is multiplied
     * in place by {@code min(1, maxNorm / (total + 1e-6))}, computed in float32 as torch does
     * ({@code (1 / (total + 1e-6)) * maxNorm}). So gradients are scaled when the total is above {@code maxNorm}
     * (or within 1e-6 below it) and left untouched otherwise; a non-finite total makes them NaN, as in torch.
     * Parameters that do not require a gradient are skipped. Must run outside any {@code GradientCollector};
     * temporaries are freed before it returns.
     *
     * @param maxNorm the largest total norm kept, above 0; {@link Double#POSITIVE_INFINITY} only measures
     * @return the total norm before clipping (0 when no parameter has a gradient)
     * @throws PeftException {@link StandardErrorCode#INVALID_ARGUMENT} if {@code maxNorm} is not above 0
     */
    public static double clipByGlobalNorm(Collection<NDArray> parameters, double maxNorm) {
        requireNonNull(parameters, "parameters");
        if (!(maxNorm > 0)) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                    "The maximum gradient norm must be above 0 (use infinity to only measure), got " + maxNorm);
        }
        try (NDScope temporaries = new NDScope()) {
            temporaries.suppressNotUsedWarning();
            List<NDArray> gradients = new ArrayList<>();
            NDList norms = new NDList();
            for (NDArray parameter : parameters) {
                if (parameter.hasGradient()) {
                    NDArray gradient = parameter.getGradient();
                    gradients.add(gradient);
                    norms.add(gradient.norm());
                }
            }
            if (gradients.isEmpty()) {
                return 0.0;
            }
            float total = NDArrays.stack(norms).norm().getFloat();
            float coefficient = Math.min(1f / (total + NORM_EPSILON) * (float) maxNorm, 1f);
            if (coefficient != 1f) {
                for (NDArray gradient : gradients) {
                    gradient.muli(gradient.getManager().full(new Shape(), coefficient));
                }
            }
            return total;
        }
    }
}
