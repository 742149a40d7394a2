package io.github.peft4j.spi;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
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
 */
public record ForwardInput(
        NDArray inputIds,
        Optional<NDArray> attentionMask,
        Optional<NDArray> positionIds,
        Optional<NDArray> decoderInputIds,
        Optional<NDArray> decoderAttentionMask,
        Optional<NDArray> targetStart) {
    public ForwardInput {
        requireNonNull(inputIds, "inputIds");
        requireNonNull(attentionMask, "attentionMask");
        requireNonNull(positionIds, "positionIds");
        requireNonNull(decoderInputIds, "decoderInputIds");
        requireNonNull(decoderAttentionMask, "decoderAttentionMask");
        requireNonNull(targetStart, "targetStart");
    }

    /** The inputs without a target start (the whole input is the source). */
    public ForwardInput(NDArray inputIds, Optional<NDArray> attentionMask, Optional<NDArray> positionIds, Optional<NDArray> decoderInputIds,
            Optional<NDArray> decoderAttentionMask) {
        this(inputIds, attentionMask, positionIds, decoderInputIds, decoderAttentionMask, Optional.empty());
    }

    /** Token ids only: no padding, default positions. */
    public static ForwardInput of(NDArray inputIds) {
        return new ForwardInput(inputIds, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    public ForwardInput withAttentionMask(NDArray mask) {
        return new ForwardInput(inputIds, Optional.of(mask), positionIds, decoderInputIds, decoderAttentionMask, targetStart);
    }

    public ForwardInput withPositionIds(NDArray positions) {
        return new ForwardInput(inputIds, attentionMask, Optional.of(positions), decoderInputIds, decoderAttentionMask, targetStart);
    }

    public ForwardInput withDecoderInput(NDArray ids, Optional<NDArray> mask) {
        return new ForwardInput(inputIds, attentionMask, positionIds, Optional.of(ids), mask, targetStart);
    }

    /** The same inputs with each row's target starting at column {@code starts[row]} ({@code [batch]}, integers). */
    public ForwardInput withTargetStart(NDArray starts) {
        return new ForwardInput(inputIds, attentionMask, positionIds, decoderInputIds, decoderAttentionMask, Optional.of(starts));
    }

    public int batchSize() {
        return Math.toIntExact(inputIds.getShape().get(0));
    }
}
