package io.github.peft4j.spi;

import ai.djl.ndarray.NDArray;
import java.util.Optional;

/**
 * What an adapter contributes to one forward pass, computed once per batch by
 * {@link ParameterEfficientAdapter#hooks}. The backend asks at fixed sites; every hook defaults to "nothing", so
 * {@link #NONE} runs the plain model and new hooks never break existing adapters.
 */
public interface AdapterHooks {
    /** Runs the unmodified base model. */
    AdapterHooks NONE = new AdapterHooks() {};

    /**
     * Keys/values to prepend to {@code site} in layer {@code layer} ({@link InjectionPoint#ATTENTION_PREFIX}).
     * All layers of one site return the same length P.
     */
    default Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
        return Optional.empty();
    }

    /**
     * Embeddings {@code [batch or 1, P, hidden]} placed before the tokens of {@code stack}
     * ({@link InjectionPoint#INPUT_EMBEDDINGS}).
     */
    default Optional<NDArray> inputEmbeddings(Stack stack) {
        return Optional.empty();
    }

    /**
     * Where the default position ids of {@code stack}'s real tokens start. Hugging Face PEFT and Li &amp; Liang's
     * GPT-2 number real tokens after a prefix of length P (return P); Li &amp; Liang's BART numbers them from 0.
     * Explicit position ids given with the input override this.
     */
    default int positionOffset(Stack stack) {
        return 0;
    }

    /**
     * Keys/values {@code [batch or 1, heads, I, headDim]} placed between the source and the target of each row at
     * {@code site} in layer {@code layer} ({@link InjectionPoint#ATTENTION_INFIX}). All layers of one site return the
     * same length I. Queries at or after the row's boundary (see {@link #infixSourceTail}) see them; earlier queries
     * do not, and the default positions from the boundary on are shifted by I.
     */
    default Optional<KeyValuePrefix> attentionInfix(AttentionSite site, int layer) {
        return Optional.empty();
    }

    /**
     * How many of the source's last tokens of {@code stack} come after the infix: 0 puts it exactly between the
     * source and the target ({@code [x; INFIX; y]} with the row's {@link ForwardInput#targetStart}); 1 puts it
     * before the source's last token, e.g. the separator that ends every source in Li &amp; Liang's layout, so that
     * the separator's prediction of the target's first token sees it (their code places the infix so). Only
     * consulted when {@link #attentionInfix} gives keys/values.
     */
    default int infixSourceTail(Stack stack) {
        return 0;
    }
}
