package io.github.peft4j.spi;

/**
 * Text to token ids and back, exactly as the model was trained (e.g. GPT-2's byte-level BPE). Special tokens
 * are not added: callers place BOS/EOS themselves.
 */
public interface TextTokenizer {
    long[] encode(String text);

    /** Decodes ids to text; ids outside the vocabulary throw {@link PeftException} with INVALID_ARGUMENT. */
    String decode(long[] ids);
}
