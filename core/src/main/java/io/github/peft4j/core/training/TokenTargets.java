package io.github.peft4j.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;

/**
 * The labels a batch is trained on and the positions whose logits predict them, flattened as {@code row * width +
 * column} over the batch's {@code [rows, width]} labels. Only labels other than {@link CausalLmBatch#IGNORED}
 * count, so the LM head and the softmax need to run on these positions only ({@link ForwardInput#logitPositions}).
 *
 * @param rows the batch's rows
 * @param width the batch's columns
 * @param positions per counted label, the flattened position of the logits that predict it
 * @param labels the counted labels, in the same order
 */
public record TokenTargets(int rows, int width, long[] positions, long[] labels) {
    /**
     * A causal LM's targets: logits at t predict the label at t + 1 ({@code F.cross_entropy(logits[:, :-1],
     * labels[:, 1:], ignore_index=-100)}, as Hugging Face's causal LMs compute it).
     */
    public static TokenTargets shifted(long[][] labels) {
        return of(labels, 1);
    }

    /**
     * An encoder-decoder's targets: the decoder input is already the labels shifted right, so logits at t predict
     * the label at t ({@code F.cross_entropy(logits, labels, ignore_index=-100)}, as {@code BartForConditionalGeneration}).
     */
    public static TokenTargets unshifted(long[][] labels) {
        return of(labels, 0);
    }

    private static TokenTargets of(long[][] labels, int shift) {
        int rows = labels.length;
        int width = labels[0].length;
        int counted = 0;
        for (long[] row : labels) {
            for (int t = shift; t < width; t++) {
                counted += row[t] == CausalLmBatch.IGNORED ? 0 : 1;
            }
        }
        if (counted == 0) {
            throw new PeftException(StandardErrorCode.MALFORMED_DATASET, "A batch has no target token to learn from");
        }
        long[] positions = new long[counted];
        long[] targets = new long[counted];
        int at = 0;
        for (int row = 0; row < rows; row++) {
            for (int t = shift; t < width; t++) {
                if (labels[row][t] != CausalLmBatch.IGNORED) {
                    positions[at] = (long) row * width + t - shift;
                    targets[at++] = labels[row][t];
                }
            }
        }
        return new TokenTargets(rows, width, positions, targets);
    }

    /** The counted positions as an array for {@link ForwardInput#withLogitPositions}. */
    public NDArray positions(NDManager manager) {
        return manager.create(positions);
    }

    /**
     * The mean cross-entropy of the counted labels, differentiable with respect to whatever produced the logits:
     * either {@code [n, vocab]} at {@link #positions} (the backend ran its head there only) or {@code [rows, width,
     * vocab]} at every position.
     */
    public NDArray meanLoss(NDArray logits) {
        long[] shape = logits.getShape().getShape();
        NDArray selected;
        if (shape.length == 3 && shape[0] == rows && shape[1] == width) {
            selected = logits.reshape((long) rows * width, shape[2]).get(positions(logits.getManager()));
        }
        else if (shape.length == 2 && shape[0] == positions.length) {
            selected = logits;
        }
        else {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Logits " + logits.getShape() + " match neither the labels [" + rows + ", "
                    + width + "] nor their " + positions.length + " counted positions");
        }
        long vocab = selected.getShape().get(1);
        for (long label : labels) {
            if (label < 0 || label >= vocab) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Label " + label + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        NDArray chosen = selected.logSoftmax(1).gather(logits.getManager().create(labels, new Shape(labels.length, 1)), 1);
        return chosen.mean().neg();
    }
}
