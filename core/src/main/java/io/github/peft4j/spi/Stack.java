package io.github.peft4j.spi;

/** A transformer stack. Decoder-only models (GPT-2) have only {@link #DECODER}. */
public enum Stack {
    ENCODER,
    DECODER
}
