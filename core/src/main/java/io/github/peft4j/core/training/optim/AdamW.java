package io.github.peft4j.core.training.optim;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code torch.optim.AdamW} (decoupled weight decay, epsilon added after the bias correction), step for step as
 * torch's single-tensor CPU implementation computes it, in float32.
 *
 * <p>DJL's own Adam adds epsilon before the bias correction and so drifts away from torch after a few updates; its
 * in-place arithmetic with Java {@code Number}s can also corrupt memory autograd still holds. Here every constant
 * of an update is a float32 scalar array that lives until the update ends.
 *
 * <p>The moments are created when the optimizer is, zero-filled, in a sub-manager of the first parameter's manager
 * (closing that manager closes them too), each on its parameter's device. Nothing is created lazily, so an
 * enclosing {@link NDScope} cannot close them. {@link #close} frees them. Not thread-safe.
 */
public final class AdamW implements AutoCloseable {
    private static final String EXP_AVG = ".exp_avg";
    private static final String EXP_AVG_SQ = ".exp_avg_sq";

    private final AdamWConfig config;
    private final NDManager stateManager;
    private final List<Slot> slots = new ArrayList<>();
    private final Map<String, NDArray> state;
    private long steps;
    private boolean closed;

    /**
     * The optimizer of {@code parameters}: name to float32 array, updated in place; gradients are read with
     * {@link NDArray#getGradient()}. The map's iteration order is the order of {@link #state()}.
     *
     * @throws PeftException {@link StandardErrorCode#INVALID_ARGUMENT} if there are no parameters or one is not
     *     float32
     */
    public AdamW(Map<String, NDArray> parameters, AdamWConfig config) {
        this.config = requireNonNull(config, "config");
        requireNonNull(parameters, "parameters");
        if (parameters.isEmpty()) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "AdamW needs at least one parameter to train");
        }
        parameters.forEach((name, parameter) -> {
            requireNonNull(name, "parameter name");
            requireNonNull(parameter, () -> "parameter '" + name + "'");
            if (parameter.getDataType() != DataType.FLOAT32) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "AdamW trains float32 parameters, but '"
                        + name + "' is " + parameter.getDataType() + ": convert it to float32 first");
            }
        });
        stateManager = parameters.values().iterator().next().getManager().newSubManager();
        Map<String, NDArray> byName = new LinkedHashMap<>();
        try {
            parameters.forEach((name, parameter) -> {
                Slot slot = new Slot(name, parameter, zerosLike(parameter), zerosLike(parameter));
                slots.add(slot);
                byName.put(name + EXP_AVG, slot.expAvg);
                byName.put(name + EXP_AVG_SQ, slot.expAvgSq);
            });
        }
        catch (RuntimeException e) {
            stateManager.close();
            throw e;
        }
        state = Collections.unmodifiableMap(byName);
    }

    /**
     * One update of every parameter, as {@code torch.optim.AdamW.step()} with learning rate {@code learningRate}:
     * with {@code t} the update count after this one,
     * <pre>
     * w *= 1 - lr * wd
     * m += (1 - b1) * (g - m)                      (torch: exp_avg.lerp_(grad, 1 - b1))
     * v = b2 * v + ((1 - b2) * g) * g
     * w += (-(lr / (1 - b1^t)) * m) / (sqrt(v) / sqrt(1 - b2^t) + eps)
     * </pre>
     * The bias corrections and {@code lr / (1 - b1^t)} are computed in double and used as float32 scalars, as
     * torch does; every array operation is float32. The result can still differ from torch in the last bit, where
     * torch's vectorised {@code lerp_} kernel fuses a multiply-add.
     *
     * <p>Must run outside any {@code GradientCollector}, after the backward pass: it records no autograd history.
     * It consumes the gradients: they are zero when it returns, ready for the next backward pass (which adds to
     * them). Every temporary array is freed before it returns. A parameter that requires a gradient but has had no
     * backward pass is updated with a zero gradient (torch skips such a parameter).
     *
     * @throws PeftException {@link StandardErrorCode#INVALID_ARGUMENT} if {@code learningRate} is negative or not
     *     finite, or a parameter does not require a gradient; then nothing is updated
     */
    public void step(double learningRate) {
        checkOpen();
        if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                    "The learning rate must be a finite number >= 0, got " + learningRate);
        }
        for (Slot slot : slots) {
            if (!slot.parameter.hasGradient()) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Parameter '" + slot.name
                        + "' does not require a gradient: call setRequiresGradient(true) on it before training");
            }
        }
        long t = steps + 1;
        double beta1 = config.beta1();
        double beta2 = config.beta2();
        double stepSize = learningRate / (1 - Math.pow(beta1, t));
        double biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
        double decay = 1 - learningRate * config.weightDecay();
        try (NDScope temporaries = new NDScope()) {
            temporaries.suppressNotUsedWarning();
            NDArray decayFactor = scalar(decay);
            NDArray gradientWeight = scalar(1 - beta1);
            NDArray beta2Factor = scalar(beta2);
            NDArray squareWeight = scalar(1 - beta2);
            NDArray correction2 = scalar(biasCorrection2Sqrt);
            NDArray epsilon = scalar(config.epsilon());
            NDArray negativeStepSize = scalar(-stepSize);
            for (Slot slot : slots) {
                // The gradient serves as scratch for (g - m) and is zeroed at the end; the other temporaries are freed
                // at once, so the allocator hands their memory straight to the next one.
                try (NDArray gradient = slot.parameter.getGradient()) {
                    if (decay != 1) {
                        slot.parameter.muli(decayFactor);
                    }
                    try (NDArray square = gradient.mul(squareWeight)) {
                        slot.expAvgSq.muli(beta2Factor).addi(square.muli(gradient));
                    }
                    slot.expAvg.addi(gradient.subi(slot.expAvg).muli(gradientWeight));
                    try (NDArray denominator = slot.expAvgSq.sqrt(); NDArray update = slot.expAvg.mul(negativeStepSize)) {
                        slot.parameter.addi(update.divi(denominator.divi(correction2).addi(epsilon)));
                    }
                    gradient.subi(gradient); // +0 (a product with 0 could leave -0)
                }
            }
        }
        steps = t;
    }

    /** Updates made so far, counting those restored by {@link #loadState}. */
    public long steps() {
        return steps;
    }

    /**
     * The optimizer state for a checkpoint: for each parameter name {@code N}, {@code "N.exp_avg"} and
     * {@code "N.exp_avg_sq"}, in the order of the parameters. These are the live arrays, updated in place by
     * {@link #step} and {@link #loadState} and freed by {@link #close}: copy or write them, do not keep them.
     */
    public Map<String, NDArray> state() {
        checkOpen();
        return state;
    }

    /**
     * Restores a state written from {@link #state()} and the update count that went with it: continuing then
     * gives bit-identical updates to a run that was never interrupted. The arrays are copied (the caller may
     * close them afterwards); entries under other names are ignored, so {@code state} may hold more of a
     * checkpoint.
     *
     * @throws PeftException {@link StandardErrorCode#MALFORMED_CHECKPOINT}, naming the entry, if an entry is
     *     missing or its shape or type differs from its parameter's, or if {@code steps} is negative; then nothing
     *     is restored
     */
    public void loadState(Map<String, NDArray> state, long steps) {
        checkOpen();
        requireNonNull(state, "state");
        if (steps < 0) {
            throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT,
                    "The optimizer step count must be >= 0, got " + steps + ": the checkpoint is damaged");
        }
        for (Slot slot : slots) {
            checkEntry(state, slot.name + EXP_AVG, slot.parameter);
            checkEntry(state, slot.name + EXP_AVG_SQ, slot.parameter);
        }
        for (Slot slot : slots) {
            copyInto(state.get(slot.name + EXP_AVG), slot.expAvg);
            copyInto(state.get(slot.name + EXP_AVG_SQ), slot.expAvgSq);
        }
        this.steps = steps;
    }

    /** Frees the optimizer state. Closing twice does nothing. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            stateManager.close();
        }
    }

    private NDArray zerosLike(NDArray parameter) {
        NDArray zeros = parameter.zerosLike();
        NDScope.unregister(zeros);
        zeros.attach(stateManager);
        return zeros;
    }

    /** A float32 scalar array that stays alive, unlike the buffer behind {@code NDArray.mul(Number)}. */
    private NDArray scalar(double value) {
        return stateManager.full(new Shape(), (float) value);
    }

    private static void checkEntry(Map<String, NDArray> state, String key, NDArray parameter) {
        NDArray entry = state.get(key);
        if (entry == null) {
            throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT,
                    "The optimizer state lacks '" + key + "': it was saved for other parameters");
        }
        if (!entry.getShape().equals(parameter.getShape()) || entry.getDataType() != DataType.FLOAT32) {
            throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, "The optimizer state holds '" + key + "' as "
                    + entry.getDataType() + " " + entry.getShape() + " but its parameter is " + DataType.FLOAT32 + " "
                    + parameter.getShape() + ": it was saved for other parameters");
        }
    }

    /** Overwrites {@code target}'s contents with a native copy of {@code source}, keeping the Java object. */
    private static void copyInto(NDArray source, NDArray target) {
        NDArray copy = source.getDevice().equals(target.getDevice())
                ? source.duplicate()
                : source.toDevice(target.getDevice(), true);
        target.intern(copy);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("This AdamW optimizer is closed");
        }
    }

    /** One parameter with its first and second moments. */
    private record Slot(String name, NDArray parameter, NDArray expAvg, NDArray expAvgSq) {}
}
