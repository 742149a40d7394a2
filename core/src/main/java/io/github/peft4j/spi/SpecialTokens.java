package io.github.peft4j.spi;

import static java.util.Objects.requireNonNull;

import java.util.OptionalLong;

/**
 * The special token ids a model's configuration names, each empty when it names none: what the training engine
 * pads with and (for encoder-decoder models) starts the decoder input with.
 *
 * @param pad {@code pad_token_id}
 * @param bos {@code bos_token_id}
 * @param eos {@code eos_token_id}
 * @param decoderStart {@code decoder_start_token_id}: the first decoder input of an encoder-decoder model
 */
public record SpecialTokens(OptionalLong pad, OptionalLong bos, OptionalLong eos, OptionalLong decoderStart) {
    /** No special token known. */
    public static final SpecialTokens NONE = new SpecialTokens(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty());

    public SpecialTokens {
        requireNonNull(pad, "pad");
        requireNonNull(bos, "bos");
        requireNonNull(eos, "eos");
        requireNonNull(decoderStart, "decoderStart");
    }
}
