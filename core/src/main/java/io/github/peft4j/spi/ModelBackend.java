package io.github.peft4j.spi;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A loaded, frozen pretrained model. It knows its {@link ModelGeometry}, owns its base weights, runs forward
 * passes and consults an adapter's {@link AdapterHooks} at the {@link InjectionPoint}s it offers. It never
 * changes its own weights: training a subset of them (the paper's fine-tuning baselines) goes through
 * {@link #baseParameters()}, which the training engine updates.
 */
public interface ModelBackend extends AutoCloseable {
    /** The provider name that loaded this model, e.g. {@code gpt2}. */
    String family();

    ModelGeometry geometry();

    /** The model's tokenizer, when the model directory has tokenizer files; ids work without one. */
    Optional<TextTokenizer> tokenizer();

    /**
     * The ids that end a generated sequence by default: the model configuration's {@code eos_token_id}; empty when
     * it names none.
     */
    Set<Long> eosTokenIds();

    /**
     * The special token ids of the model's configuration (pad, bos, eos, decoder start); the training engine pads
     * and builds seq2seq decoder inputs with them. Backends that know none keep the default, which is all empty.
     */
    default SpecialTokens specialTokens() {
        return SpecialTokens.NONE;
    }

    /** The injection points this backend consults; an adapter may rely on these and no others. */
    Set<InjectionPoint> injectionPoints();

    /**
     * The base weights by their Hugging Face names (without a {@code transformer.}-style prefix), in checkpoint
     * order. Frozen: no gradient is attached unless a trainer attaches one on purpose.
     */
    Map<String, NDArray> baseParameters();

    /**
     * Runs the model over {@code input} and returns logits {@code [batch, length, vocab]} (for encoder-decoder
     * models: over the decoder input), or {@code [n, vocab]} at {@link ForwardInput#logitPositions} when the input
     * names some (the training engine does: backends run their LM head on those rows only, see
     * {@link ForwardInput#atLogitPositions}). Shapes that do not fit the model throw {@link PeftException} with
     * {@link StandardErrorCode#SHAPE_MISMATCH}.
     */
    NDArray forward(ForwardInput input, AdapterHooks hooks);

    /**
     * The keys and values that {@code site} computes in every layer for the real tokens {@code tokenIds}
     * ({@code [1, T]}, positions from 0), each {@code [1, heads, T, headDim]}: a prefix built from them makes the
     * model behave as if those tokens came first (with real tokens numbered from T). This is how a prefix is
     * initialised from real words' activations.
     */
    List<KeyValuePrefix> keyValues(NDArray tokenIds, AttentionSite site);

    /**
     * The input token embeddings of {@code tokenIds} (any shape of integer ids), {@code [..., hidden]}: the rows of
     * the embedding matrix, before positions (and any embedding scale) are applied. Virtual input embeddings
     * ({@link InjectionPoint#INPUT_EMBEDDINGS}) equal to these make the model behave as if those tokens came first;
     * this is how embedding-only tuning is initialised from real words. The result lives in {@code tokenIds}'
     * manager and carries no gradient. Backends that cannot give them keep the default, which refuses.
     */
    default NDArray tokenEmbeddings(NDArray tokenIds) {
        throw new PeftException(StandardErrorCode.UNSUPPORTED_INJECTION_POINT, "The " + family()
                + " backend does not give its token embeddings; initialise the virtual tokens randomly or from a file instead");
    }

    /**
     * Starts incremental decoding after {@code prompt}. Rows of a decoder-only prompt are left-padded (mask 0 on
     * the left), so that each row's last column is its last real token; for encoder-decoder models the prompt's
     * {@code inputIds} feed the encoder and {@code decoderInputIds} start the decoder. {@code hooks} are consulted
     * once, here.
     */
    DecodingState startDecoding(ForwardInput prompt, AdapterHooks hooks);

    @Override
    void close();
}
