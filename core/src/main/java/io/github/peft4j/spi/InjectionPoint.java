package io.github.peft4j.spi;

/**
 * A place in the forward pass where a backend consults the adapter's {@link AdapterHooks}. A backend declares
 * the points it offers ({@link ModelBackend#injectionPoints()}); an adapter that needs one the backend lacks is
 * refused at creation. New points are added with a no-op default hook, so existing adapters keep working.
 */
public enum InjectionPoint {
    /**
     * {@link AdapterHooks#attentionPrefix}: keys and values prepended to an attention at every layer. Every query
     * sees them; the padding mask gains that many visible columns.
     */
    ATTENTION_PREFIX,
    /**
     * {@link AdapterHooks#inputEmbeddings}: virtual-token embeddings placed before the real tokens of a stack.
     * Their positions never count in the loss.
     */
    INPUT_EMBEDDINGS,
    /**
     * {@link AdapterHooks#attentionInfix}: keys and values placed between a row's source x and its target y at every
     * layer ({@code [x; INFIX; y]}, infix-tuning). Only queries at or after the row's infix boundary see them (the
     * boundary is {@link ForwardInput#targetStart} minus {@link AdapterHooks#infixSourceTail} tokens), and the
     * default positions of the tokens from the boundary on are shifted by the infix length I, as if I tokens had
     * been inserted there. Queries before the boundary, and so the keys and values of those tokens, are exactly the
     * base model's.
     */
    ATTENTION_INFIX
}
