package io.github.peft4j.core.tokenizer;

import static java.util.Objects.requireNonNull;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.spi.TextTokenizer;
import java.util.Arrays;

/**
 * A model directory's tokenizer on Hugging Face's {@code tokenizers} library (through DJL): exact ids, no special
 * tokens added, no truncation, no padding; decoding keeps special tokens and does not clean up spaces.
 *
 * <p>It holds native memory: {@link #close()} it when done. {@link #encode} and {@link #decode} may be called
 * from several threads at once, but not after (or while) it is closed; after closing they throw
 * {@link IllegalStateException}. Create instances with {@link HfTokenizers#fromModelDirectory}.
 */
public final class HfTextTokenizer implements TextTokenizer, AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    /** Ascending and distinct: a sparse vocabulary (ids up to 2^31) costs memory for its entries only. */
    private final int[] knownIds;
    private final String source;

    HfTextTokenizer(HuggingFaceTokenizer tokenizer, int[] knownIds, String source) {
        this.tokenizer = tokenizer;
        this.knownIds = knownIds;
        this.source = source;
    }

    @Override
    public long[] encode(String text) {
        requireNonNull(text, "text");
        return tokenizer.encode(text, false, false).getIds();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Special tokens appear in the text (e.g. {@code <|endoftext|>}); ids that end inside a multi-byte
     * character decode to U+FFFD for the incomplete bytes.
     */
    @Override
    public String decode(long[] ids) {
        requireNonNull(ids, "ids");
        for (int i = 0; i < ids.length; i++) {
            long id = ids[i];
            if (id < 0 || id > Integer.MAX_VALUE || Arrays.binarySearch(knownIds, (int) id) < 0) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                        "Token id " + id + " at position " + i + " is not in the vocabulary of " + source + " ("
                                + knownIds.length + " ids, the largest " + knownIds[knownIds.length - 1]
                                + "). Decode only ids produced by this model's tokenizer or head.");
            }
        }
        return tokenizer.decode(ids, false);
    }

    /** Frees the native tokenizer; closing twice does nothing. */
    @Override
    public void close() {
        tokenizer.close();
    }

    @Override
    public String toString() {
        return "HfTextTokenizer[" + source + "]";
    }
}
