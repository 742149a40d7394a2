package io.github.peft4j.spi;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.Optional;

/**
 * The inputs of one forward pass; every array is {@code [batch, length]} of integers, except {@code targetStart}.
 *
 * @param inputIds token ids (for encoder-decoder models: the encoder's)
 * @param attentionMask 1 for real tokens, 0 for padding; absent means all ones
 * @param positionIds explicit positions; absent means the backend's default numbering (see
 *     {@link AdapterHooks#positionOffset})
 * @param decoderInputIds the decoder's token ids (encoder-decoder models only)
 * @param decoderAttentionMask the decoder's padding mask (encoder-decoder models only)
 * @param targetStart {@code [batch]} integers: per row, the column of {@code inputIds} where the target y starts
 *     (a decoder-only row reads {@code [x; y]}; the training engine gives the source lengths). Only an infix
 *     ({@link InjectionPoint#ATTENTION_INFIX}) uses it; absent means the whole input is the source, as a prompt is
 *     when generation starts (everything generated after it is target)
 * @param logitPositions {@code [n]} integers: the only positions whose logits are wanted, flattened as
 *     {@code row * length + column} over {@code [batch, length]} of the (decoder) input; the backend then returns
 *     {@code [n, vocab]} in this order and runs its LM head on those rows only (training needs the rows that predict
 *     a label: on table-to-text, half of a step's LM-head work is on source positions that predict nothing). Absent
 *     means every position, {@code [batch, length, vocab]}
 */
public record ForwardInput(
        NDArray inputIds,
        Optional<NDArray> attentionMask,
        Optional<NDArray> positionIds,
        Optional<NDArray> decoderInputIds,
        Optional<NDArray> decoderAttentionMask,
        Optional<NDArray> targetStart,
        Optional<NDArray> logitPositions) {
    public ForwardInput {
        requireNonNull(inputIds, "inputIds");
        requireNonNull(attentionMask, "attentionMask");
        requireNonNull(positionIds, "positionIds");
        requireNonNull(decoderInputIds, "decoderInputIds");
        requireNonNull(decoderAttentionMask, "decoderAttentionMask");
        requireNonNull(targetStart, "targetStart");
        requireNonNull(logitPositions, "logitPositions");
    }

    /** The inputs without a target start (the whole input is the source). */
    public ForwardInput(NDArray inputIds, Optional<NDArray> attentionMask, Optional<NDArray> positionIds, Optional<NDArray> decoderInputIds,
            Optional<NDArray> decoderAttentionMask) {
        this(inputIds, attentionMask, positionIds, decoderInputIds, decoderAttentionMask, Optional.empty(), Optional.empty());
    }

    /** Token ids only: no padding, default positions. */
    public static ForwardInput of(NDArray inputIds) {
        return new ForwardInput(inputIds, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    public ForwardInput withAttentionMask(NDArray mask) {
        return new ForwardInput(inputIds, Optional.of(mask), positionIds, decoderInputIds, decoderAttentionMask, targetStart, logitPositions);
    }

    public ForwardInput withPositionIds(NDArray positions) {
        return new ForwardInput(inputIds, attentionMask, Optional.of(positions), decoderInputIds, decoderAttentionMask, targetStart, logitPositions);
    }

    public ForwardInput withDecoderInput(NDArray ids, Optional<NDArray> mask) {
        return new ForwardInput(inputIds, attentionMask, positionIds, Optional.of(ids), mask, targetStart, logitPositions);
    }

    /** The same inputs with each row's target starting at column {@code starts[row]} ({@code [batch]}, integers). */
    public ForwardInput withTargetStart(NDArray starts) {
        return new ForwardInput(inputIds, attentionMask, positionIds, decoderInputIds, decoderAttentionMask, Optional.of(starts), logitPositions);
    }

    /** The same inputs asking for the logits at {@code positions} only ({@code [n]} integers, see {@link #logitPositions}). */
    public ForwardInput withLogitPositions(NDArray positions) {
        return new ForwardInput(inputIds, attentionMask, positionIds, decoderInputIds, decoderAttentionMask, targetStart, Optional.of(positions));
    }

    /**
     * The rows of {@code hidden} ({@code [batch, length, width]}) whose logits are wanted: {@code [n, width]} at
     * {@link #logitPositions}, or {@code hidden} itself when every position is wanted. Backends call it on their
     * final hidden states before the LM head.
     *
     * @throws PeftException {@link StandardErrorCode#SHAPE_MISMATCH} if the positions are not {@code [n]} integers
     *     inside {@code [0, batch * length)}
     */
    public NDArray atLogitPositions(NDArray hidden) {
        if (logitPositions.isEmpty()) {
            return hidden;
        }
        NDArray positions = logitPositions.get();
        long[] shape = hidden.getShape().getShape();
        long rows = shape[0] * shape[1];
        if (positions.getShape().dimension() != 1 || !positions.getDataType().isInteger()) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Logit positions must be [n] integers; got " + positions.getShape() + " " + positions.getDataType());
        }
        for (long position : positions.toType(DataType.INT64, false).toLongArray()) {
            if (position < 0 || position >= rows) {
                throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Logit position " + position + " is outside the " + shape[0] + " x " + shape[1]
                        + " input (flattened positions are row * length + column)");
            }
        }
        return hidden.reshape(rows, shape[2]).get(positions);
    }

    public int batchSize() {
        return Math.toIntExact(inputIds.getShape().get(0));
    }
}
