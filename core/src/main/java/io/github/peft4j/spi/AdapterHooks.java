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
}
