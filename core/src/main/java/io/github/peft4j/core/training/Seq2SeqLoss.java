package io.github.peft4j.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;

/**
 * Mean cross-entropy of an encoder-decoder's logits against its labels, not shifted: the decoder input is already
 * the labels shifted right, so the logits at position t predict the label at t, and only labels other than
 * {@link CausalLmBatch#IGNORED} count ({@code F.cross_entropy(logits, labels, ignore_index=-100)}, what Hugging
 * Face's {@code BartForConditionalGeneration} computes). Only the counted positions are gathered before the
 * softmax.
 */
public final class Seq2SeqLoss {
    private Seq2SeqLoss() {}

    /** A scalar loss array, differentiable with respect to whatever produced {@code logits [batch, T, vocab]}. */
    public static NDArray mean(NDArray logits, long[][] labels) {
        long[] shape = logits.getShape().getShape();
        int rows = labels.length;
        int width = labels[0].length;
        if (shape.length != 3 || shape[0] != rows || shape[1] != width) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Logits " + logits.getShape() + " do not match labels [" + rows + ", " + width + "]");
        }
        long vocab = shape[2];
        int counted = 0;
        for (long[] row : labels) {
            for (long label : row) {
                counted += label == CausalLmBatch.IGNORED ? 0 : 1;
            }
        }
        if (counted == 0) {
            throw new PeftException(StandardErrorCode.MALFORMED_DATASET, "A batch has no target token to learn from");
        }
        long[] positions = new long[counted];
        long[] targets = new long[counted];
        int at = 0;
        for (int row = 0; row < rows; row++) {
            for (int t = 0; t < width; t++) {
                long label = labels[row][t];
                if (label != CausalLmBatch.IGNORED) {
                    if (label < 0 || label >= vocab) {
                        throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Label " + label + " is outside the vocabulary [0, " + vocab + ")");
                    }
                    positions[at] = (long) row * width + t;
                    targets[at++] = label;
                }
            }
        }
        NDManager manager = logits.getManager();
        NDArray picked = logits.reshape(rows * width, vocab).get(manager.create(positions));
        NDArray chosen = picked.logSoftmax(1).gather(manager.create(targets, new Shape(counted, 1)), 1);
        return chosen.mean().neg();
    }
}
