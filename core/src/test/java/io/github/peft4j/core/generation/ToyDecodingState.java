package io.github.peft4j.core.generation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.DecodingState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link DecodingState} over a {@link ToyLanguageModel}: each row is its token sequence, logits are PyTorch
 * NDArrays made from the model's table. It checks the SPI contract on every call (int64 arrays of the right
 * shape, row indices in range) and records what the generator did.
 */
final class ToyDecodingState implements DecodingState {
    private final ToyLanguageModel model;
    private final NDManager manager;
    private final List<NDArray> received = new ArrayList<>();
    private final List<long[]> appended = new ArrayList<>();
    private final List<long[]> selections = new ArrayList<>();
    private List<long[]> sequences;
    private NDArray logits;
    private int logitsComputed;
    private boolean closed;

    ToyDecodingState(NDManager parent, ToyLanguageModel model, long[]... prompts) {
        this.model = model;
        this.manager = parent.newSubManager();
        this.sequences = new ArrayList<>(Arrays.asList(prompts));
    }

    @Override
    public int rows() {
        return sequences.size();
    }

    @Override
    public NDArray nextTokenLogits() {
        checkOpen();
        if (logits == null) {
            int vocab = model.vocabSize();
            float[] flat = new float[rows() * vocab];
            for (int row = 0; row < rows(); row++) {
                System.arraycopy(model.logits(sequences.get(row)), 0, flat, row * vocab, vocab);
            }
            logits = manager.create(flat, new Shape(rows(), vocab));
            logitsComputed++;
        }
        return logits;
    }

    @Override
    public void append(NDArray tokens) {
        long[] values = checkedLongs(tokens, rows());
        for (long token : values) {
            if (token < 0 || token >= model.vocabSize()) {
                throw new AssertionError("token " + token + " outside the vocabulary");
            }
        }
        appended.add(values);
        List<long[]> longer = new ArrayList<>(rows());
        for (int row = 0; row < rows(); row++) {
            long[] sequence = Arrays.copyOf(sequences.get(row), sequences.get(row).length + 1);
            sequence[sequence.length - 1] = values[row];
            longer.add(sequence);
        }
        replace(longer);
    }

    @Override
    public void selectRows(NDArray rows) {
        long[] values = checkedLongs(rows, -1);
        selections.add(values);
        List<long[]> selected = new ArrayList<>(values.length);
        for (long row : values) {
            if (row < 0 || row >= rows()) {
                throw new AssertionError("row " + row + " outside [0, " + rows() + ")");
            }
            selected.add(sequences.get((int) row));
        }
        replace(selected);
    }

    @Override
    public void close() {
        closed = true;
        manager.close();
    }

    boolean isClosed() {
        return closed;
    }

    /** The tokens of each {@link #append} call, in order. */
    List<long[]> appended() {
        return appended;
    }

    /** The row indices of each {@link #selectRows} call, in order. */
    List<long[]> selections() {
        return selections;
    }

    /** How many distinct logits arrays were computed (one per state of the rows). */
    int logitsComputed() {
        return logitsComputed;
    }

    /** Every array the generator passed in, to check that it closed them. */
    List<NDArray> received() {
        return received;
    }

    /** Arrays still alive in this state's manager. */
    int liveArrays() {
        return manager.getManagedArrays().size();
    }

    private void replace(List<long[]> next) {
        sequences = next;
        if (logits != null) {
            logits.close();
            logits = null;
        }
    }

    private long[] checkedLongs(NDArray array, int expectedLength) {
        checkOpen();
        received.add(array);
        if (array.getDataType() != DataType.INT64 || array.getShape().dimension() != 1) {
            throw new AssertionError("expected a 1-d int64 array, got " + array.getDataType() + " " + array.getShape());
        }
        if (expectedLength >= 0 && array.getShape().get(0) != expectedLength) {
            throw new AssertionError("expected " + expectedLength + " entries, got " + array.getShape());
        }
        return array.toLongArray();
    }

    private void checkOpen() {
        if (closed) {
            throw new AssertionError("decoding state used after close");
        }
    }
}
