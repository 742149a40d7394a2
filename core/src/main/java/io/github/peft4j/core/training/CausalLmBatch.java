package io.github.peft4j.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.peft4j.spi.ForwardInput;
import java.util.Arrays;
import java.util.List;

/**
 * A right-padded decoder-only batch: input = source + target, padded with {@code padId} under mask 0; labels are
 * the input ids on target positions and {@link #IGNORED} on source and padding (Li &amp; Liang's and Hugging
 * Face's convention). Its forward input also says where each row's target starts
 * ({@link ForwardInput#targetStart}), which an infix needs to sit between source and target.
 */
public record CausalLmBatch(long[][] inputIds, long[][] attentionMask, long[][] labels) implements TrainingBatch {
    /** The label of a position that does not count in the loss. */
    public static final long IGNORED = -100;

    public static CausalLmBatch of(List<TrainingExample> examples, long padId) {
        int width = examples.stream().mapToInt(TrainingExample::length).max().orElseThrow();
        long[][] ids = new long[examples.size()][width];
        long[][] mask = new long[examples.size()][width];
        long[][] labels = new long[examples.size()][width];
        for (int row = 0; row < examples.size(); row++) {
            TrainingExample example = examples.get(row);
            Arrays.fill(ids[row], padId);
            Arrays.fill(labels[row], IGNORED);
            System.arraycopy(example.source(), 0, ids[row], 0, example.source().length);
            System.arraycopy(example.target(), 0, ids[row], example.source().length, example.target().length);
            System.arraycopy(example.target(), 0, labels[row], example.source().length, example.target().length);
            Arrays.fill(mask[row], 0, example.length(), 1);
        }
        return new CausalLmBatch(ids, mask, labels);
    }

    @Override
    public int rows() {
        return inputIds.length;
    }

    /** Real (unpadded) tokens in the batch. */
    @Override
    public long tokens() {
        return Arrays.stream(attentionMask).flatMapToLong(Arrays::stream).sum();
    }

    /** Positions whose next token is predicted and counted: labels after the shift that are not ignored. */
    @Override
    public long predictedTokens() {
        long count = 0;
        for (long[] row : labels) {
            for (int t = 1; t < row.length; t++) {
                count += row[t] == IGNORED ? 0 : 1;
            }
        }
        return count;
    }

    /** Per row, the column of the first target token: the source's length (the first label that counts). */
    public long[] targetStarts() {
        long[] starts = new long[labels.length];
        for (int row = 0; row < labels.length; row++) {
            int column = 0;
            while (column < labels[row].length && labels[row][column] == IGNORED) {
                column++;
            }
            starts[row] = column;
        }
        return starts;
    }

    /** The shifted next-token targets ({@link TokenTargets#shifted}). */
    public TokenTargets targets() {
        return TokenTargets.shifted(labels);
    }

    /** The batch's input, asking for the logits of the positions that predict a label only. */
    @Override
    public ForwardInput toInput(NDManager manager) {
        return ForwardInput.of(manager.create(inputIds)).withAttentionMask(manager.create(attentionMask)).withTargetStart(manager.create(targetStarts()))
                .withLogitPositions(targets().positions(manager));
    }

    /** The mean shifted next-token loss ({@link TokenTargets#meanLoss}). */
    @Override
    public NDArray loss(NDArray logits) {
        return targets().meanLoss(logits);
    }
}
