package io.github.peft4j.spi;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import java.util.Optional;

/**
 * The inputs of one forward pass; every array is {@code [batch, length]} of integers.
 *
 * @param inputIds token ids (for encoder-decoder models: the encoder's)
 * @param attentionMask 1 for real tokens, 0 for padding; absent means all ones
 * @param positionIds explicit positions; absent means the backend's default numbering (see
 *     {@link AdapterHooks#positionOffset})
 * @param decoderInputIds the decoder's token ids (encoder-decoder models only)
 * @param decoderAttentionMask the decoder's padding mask (encoder-decoder models only)
 */
public record ForwardInput(
        NDArray inputIds,
        Optional<NDArray> attentionMask,
        Optional<NDArray> positionIds,
        Optional<NDArray> decoderInputIds,
        Optional<NDArray> decoderAttentionMask) {
    public ForwardInput {
        requireNonNull(inputIds, "inputIds");
        requireNonNull(attentionMask, "attentionMask");
        requireNonNull(positionIds, "positionIds");
        requireNonNull(decoderInputIds, "decoderInputIds");
        requireNonNull(decoderAttentionMask, "decoderAttentionMask");
    }

    /** Token ids only: no padding, default positions. */
    public static ForwardInput of(NDArray inputIds) {
        return new ForwardInput(inputIds, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    public ForwardInput withAttentionMask(NDArray mask) {
        return new ForwardInput(inputIds, Optional.of(mask), positionIds, decoderInputIds, decoderAttentionMask);
    }

    public ForwardInput withPositionIds(NDArray positions) {
        return new ForwardInput(inputIds, attentionMask, Optional.of(positions), decoderInputIds, decoderAttentionMask);
    }

    public ForwardInput withDecoderInput(NDArray ids, Optional<NDArray> mask) {
        return new ForwardInput(inputIds, attentionMask, positionIds, Optional.of(ids), mask);
    }

    public int batchSize() {
        return Math.toIntExact(inputIds.getShape().get(0));
    }
}
