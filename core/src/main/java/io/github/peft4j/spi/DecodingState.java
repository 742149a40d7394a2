package io.github.peft4j.spi;

import ai.djl.ndarray.NDArray;

/**
 * Incremental decoding of a batch of rows with a key/value cache, created by
 * {@link ModelBackend#startDecoding}. An adapter's prefix is computed once at the start and shared by every
 * row derived from it (beams do not copy it). The arrays it returns stay valid until the next {@link #append}
 * or {@link #selectRows}. Arrays passed to {@link #append} and {@link #selectRows} stay the caller's, who may close
 * them as soon as the call returns: a state copies what it keeps. Not thread-safe.
 */
public interface DecodingState extends AutoCloseable {
    /** Rows currently decoded. */
    int rows();

    /** Logits {@code [rows, vocab]} (float32) for the next token of every row. */
    NDArray nextTokenLogits();

    /** Appends one token per row ({@code [rows]}, int64) and runs the model one step. */
    void append(NDArray tokens);

    /**
     * Keeps the rows {@code rows} ({@code [newRows]}, int64; repeats allowed) of everything cached: new row
     * {@code i} continues old row {@code rows[i]}. Beam search expands and reorders with it.
     */
    void selectRows(NDArray rows);

    @Override
    void close();
}
