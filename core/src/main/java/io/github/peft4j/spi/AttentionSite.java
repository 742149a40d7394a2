package io.github.peft4j.spi;

/** An attention in a transformer layer where an adapter may prepend keys and values. */
public enum AttentionSite {
    /** Self-attention of the encoder (encoder-decoder models only). */
    ENCODER_SELF(Stack.ENCODER),
    /** Causal self-attention of the decoder; the only site of a decoder-only model such as GPT-2. */
    DECODER_SELF(Stack.DECODER),
    /** The decoder's attention over the encoder output (encoder-decoder models only). */
    DECODER_CROSS(Stack.DECODER);

    private final Stack stack;

    AttentionSite(Stack stack) {
        this.stack = stack;
    }

    /** The stack whose layers hold this attention. */
    public Stack stack() {
        return stack;
    }
}
