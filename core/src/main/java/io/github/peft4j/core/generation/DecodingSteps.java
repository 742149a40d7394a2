package io.github.peft4j.core.generation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.DecodingState;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;

/**
 * The search algorithms' only contact with a {@link DecodingState}: reads each step's log-probabilities into Java
 * and feeds the chosen tokens back. Every array it creates lives in a manager of its own, one sub-manager per
 * step, closed as soon as the state has been called, so memory stays flat however long decoding runs; the arrays
 * the state returns are never closed here. Closing this object does not close the state.
 */
final class DecodingSteps implements AutoCloseable {
    private final DecodingState state;
    private final NDManager manager;
    private final int vocabSize;

    DecodingSteps(DecodingState state) {
        this.state = state;
        NDArray logits = state.nextTokenLogits();
        Shape shape = logits.getShape();
        if (shape.dimension() != 2 || shape.get(0) != state.rows()) {
            throw wrongLogits(shape, state.rows());
        }
        this.vocabSize = Math.toIntExact(shape.get(1));
        this.manager = NDManager.newBaseManager(logits.getDevice(), logits.getManager().getEngine().getEngineName());
    }

    int rows() {
        return state.rows();
    }

    int vocabSize() {
        return vocabSize;
    }

    /** Every row's next-token log-probabilities, row-major {@code [rows * vocabSize]}, in float32 like torch. */
    float[] logProbs() {
        NDArray logits = state.nextTokenLogits();
        Shape shape = logits.getShape();
        if (shape.dimension() != 2 || shape.get(0) != state.rows() || shape.get(1) != vocabSize) {
            throw wrongLogits(shape, state.rows());
        }
        try (NDManager step = manager.newSubManager()) {
            NDArray floats = logits;
            if (logits.getDataType() != DataType.FLOAT32) {
                floats = logits.toType(DataType.FLOAT32, true);
                floats.attach(step);
            }
            NDArray logProbs = floats.logSoftmax(1);
            logProbs.attach(step);
            return logProbs.toFloatArray();
        }
    }

    /** Makes every row {@code copies} consecutive rows: new row {@code r * copies + k} continues old row {@code r}. */
    void expand(int copies) {
        int rows = state.rows();
        long[] parents = new long[rows * copies];
        for (int i = 0; i < parents.length; i++) {
            parents[i] = i / copies;
        }
        try (NDManager step = manager.newSubManager()) {
            state.selectRows(step.create(parents));
        }
    }

    /** Runs the model one step, row {@code i} getting token {@code tokens[i]}. */
    void append(long[] tokens) {
        try (NDManager step = manager.newSubManager()) {
            state.append(step.create(tokens));
        }
    }

    /**
     * Runs the model one step after reselecting rows: new row {@code i} continues old row {@code parents[i]} and gets
     * token {@code tokens[i]}. The rows are left in place when {@code parents} is the identity.
     */
    void reorderAndAppend(long[] parents, long[] tokens) {
        try (NDManager step = manager.newSubManager()) {
            if (!isIdentity(parents)) {
                state.selectRows(step.create(parents));
            }
            state.append(step.create(tokens));
        }
    }

    @Override
    public void close() {
        manager.close();
    }

    private static boolean isIdentity(long[] parents) {
        for (int i = 0; i < parents.length; i++) {
            if (parents[i] != i) {
                return false;
            }
        }
        return true;
    }

    private static PeftException wrongLogits(Shape shape, int rows) {
        return new PeftException(StandardErrorCode.INTERNAL_ERROR,
                "The decoding state returned next-token logits of shape " + shape + " for " + rows
                        + " rows; expected [" + rows + ", vocab] with the same vocab every step");
    }
}
