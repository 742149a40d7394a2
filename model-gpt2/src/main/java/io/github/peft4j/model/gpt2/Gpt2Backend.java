package io.github.peft4j.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.safetensors.SafetensorsCheckpoint;
import io.github.peft4j.core.tokenizer.HfTextTokenizer;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.DecodingState;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.InjectionPoint;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.SpecialTokens;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.spi.TextTokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.UnaryOperator;

/** A loaded GPT-2: frozen weights in their own manager, forward passes and cached decoding. */
final class Gpt2Backend implements ModelBackend {
    /** What masked-out attention scores get: Hugging Face adds float32's minimum. */
    static final float MASKED = -Float.MAX_VALUE;

    private final Gpt2Config config;
    private final NDManager manager;
    private final Gpt2Weights weights;
    private final Gpt2Transformer transformer;
    /** Open while the weights read its mapped pages; checked before every use of them. */
    private final SafetensorsCheckpoint checkpoint;
    private final Optional<HfTextTokenizer> tokenizer;

    Gpt2Backend(Gpt2Config config, NDManager manager, Gpt2Weights weights, SafetensorsCheckpoint checkpoint,
            Optional<HfTextTokenizer> tokenizer) {
        this.config = config;
        this.manager = manager;
        this.weights = weights;
        this.checkpoint = checkpoint;
        this.transformer = new Gpt2Transformer(config, weights);
        this.tokenizer = tokenizer;
    }

    @Override
    public String family() {
        return Gpt2BackendProvider.NAME;
    }

    @Override
    public ModelGeometry geometry() {
        return config.geometry();
    }

    Gpt2Config config() {
        return config;
    }

    @Override
    public Optional<TextTokenizer> tokenizer() {
        return tokenizer.map(TextTokenizer.class::cast);
    }

    @Override
    public Set<Long> eosTokenIds() {
        return Set.of(config.eosTokenId());
    }

    /**
     * The configuration's bos and eos ids; GPT-2 names no pad token (callers pad with eos under mask 0) and has no
     * decoder start.
     */
    @Override
    public SpecialTokens specialTokens() {
        return new SpecialTokens(OptionalLong.empty(), OptionalLong.of(config.bosTokenId()), OptionalLong.of(config.eosTokenId()), OptionalLong.empty());
    }

    @Override
    public Set<InjectionPoint> injectionPoints() {
        return Set.of(InjectionPoint.ATTENTION_PREFIX, InjectionPoint.INPUT_EMBEDDINGS, InjectionPoint.ATTENTION_INFIX);
    }

    @Override
    public Map<String, NDArray> baseParameters() {
        return weights.byName();
    }

    /** Logits of the real tokens; arrays of the pass live in the manager of {@code input.inputIds()}. */
    @Override
    public NDArray forward(ForwardInput input, AdapterHooks hooks) {
        Gpt2Inputs inputs = Gpt2Inputs.of(input, hooks, geometry());
        NDManager pass = input.inputIds().getManager();
        // Only real tokens' rows, and of those the ones asked for, go through the last MLP and the LM head.
        Gpt2Transformer.Pass result = run(pass, inputs, stream -> input.atLogitPositions(
                inputs.virtualLength > 0 ? stream.get(new NDIndex(":, {}:", inputs.virtualLength)) : stream));
        return transformer.logits(result.hidden());
    }

    @Override
    public List<KeyValuePrefix> keyValues(NDArray tokenIds, AttentionSite site) {
        if (site != AttentionSite.DECODER_SELF) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "GPT-2 has only decoder self-attention; there is no " + site);
        }
        Gpt2Inputs inputs = Gpt2Inputs.of(ForwardInput.of(tokenIds), AdapterHooks.NONE, geometry());
        if (inputs.batch != 1) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "keyValues takes one row of tokens, [1, T]; got " + tokenIds.getShape());
        }
        return run(tokenIds.getManager(), inputs, UnaryOperator.identity()).present().stream()
                .map(kv -> new KeyValuePrefix(kv.keys(), kv.values()))
                .toList();
    }

    /** Rows of {@code wte} for the ids, {@code [..., hidden]}, in the ids' manager, without gradient. */
    @Override
    public NDArray tokenEmbeddings(NDArray tokenIds) {
        if (!tokenIds.getDataType().isInteger()) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Token ids must be integers; got " + tokenIds.getDataType());
        }
        long[] ids;
        try (NDArray widened = tokenIds.toType(DataType.INT64, true)) {
            ids = widened.toLongArray();
        }
        for (long id : ids) {
            if (id < 0 || id >= geometry().vocabSize()) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                        "Token id " + id + " is outside the model's vocabulary [0, " + geometry().vocabSize() + ")");
            }
        }
        requireWeightsUnchanged();
        NDArray index = tokenIds.getManager().create(ids, tokenIds.getShape());
        return transformer.tokenEmbeddings(index).stopGradient();
    }

    @Override
    public DecodingState startDecoding(ForwardInput prompt, AdapterHooks hooks) {
        return new Gpt2DecodingState(this, Gpt2Inputs.of(prompt, hooks, geometry()), manager.newSubManager());
    }

    /**
     * The first pass over a batch: embeddings (virtual ones first), then every block with the prefixes; the final
     * hidden states are the rows {@code outputRows} picks (see {@link Gpt2Transformer#run}).
     */
    Gpt2Transformer.Pass run(NDManager pass, Gpt2Inputs inputs, UnaryOperator<NDArray> outputRows) {
        requireWeightsUnchanged();
        NDArray ids = pass.create(flatten(inputs.ids), new Shape(inputs.batch, inputs.tokens));
        long[][] tokenPositions = new long[inputs.batch][];
        for (int b = 0; b < inputs.batch; b++) {
            tokenPositions[b] = Arrays.copyOfRange(inputs.positions[b], inputs.virtualLength, inputs.positions[b].length);
        }
        NDArray hidden = transformer.embed(ids, pass.create(flatten(tokenPositions), new Shape(inputs.batch, inputs.tokens)));
        if (inputs.virtualEmbeddings.isPresent()) {
            long[][] virtualPositions = new long[inputs.batch][];
            for (int b = 0; b < inputs.batch; b++) {
                virtualPositions[b] = Arrays.copyOf(inputs.positions[b], inputs.virtualLength);
            }
            NDArray virtual = inputs.virtualEmbeddings.get();
            NDArray virtualHidden = transformer.positionEmbeddings(pass.create(flatten(virtualPositions), new Shape(inputs.batch, inputs.virtualLength)))
                    .add(virtual);
            hidden = NDArrays.concat(new NDList(virtualHidden, hidden), 1);
        }
        NDArray mask = additiveMask(pass, inputs.sequenceMask, inputs.prefixLength, inputs.infixLength, inputs.infixStart, 0,
                inputs.sequenceMask[0].length);
        return transformer.run(hidden, mask, inputs.prefixes, inputs.infixes, null, outputRows);
    }

    Gpt2Transformer transformer() {
        return transformer;
    }

    /**
     * Refuses to go on when the checkpoint file the weights are mapped from has changed on disk: native code reading
     * a page of a truncated file would abort the JVM. Run before every pass over the weights.
     */
    void requireWeightsUnchanged() {
        checkpoint.requireUnchanged();
    }

    /**
     * The additive attention mask {@code [batch, 1, queries, prefix + infix + keys]} for the last {@code queries} of
     * {@code keys} sequence positions: prefix columns are always visible; infix columns are visible to the queries at
     * or after the row's {@code infixStart}; a sequence column is visible when it is a real token at or before the
     * query.
     */
    static NDArray additiveMask(NDManager manager, long[][] sequenceMask, int prefixLength, int infixLength, int[] infixStart, int firstQuery,
            int keys) {
        int batch = sequenceMask.length;
        int queries = keys - firstQuery;
        int columns = prefixLength + infixLength + keys;
        float[] mask = new float[batch * queries * columns];
        int at = 0;
        for (int b = 0; b < batch; b++) {
            for (int q = 0; q < queries; q++) {
                at += prefixLength;
                int query = firstQuery + q;
                float infix = query >= infixStart[b] ? 0f : MASKED;
                for (int i = 0; i < infixLength; i++) {
                    mask[at++] = infix;
                }
                for (int k = 0; k < keys; k++) {
                    mask[at++] = k <= query && sequenceMask[b][k] == 1 ? 0f : MASKED;
                }
            }
        }
        return manager.create(mask, new Shape(batch, 1, queries, columns));
    }

    static long[] flatten(long[][] rows) {
        int width = rows[0].length;
        long[] flat = new long[rows.length * width];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * width, width);
        }
        return flat;
    }

    @Override
    public void close() {
        tokenizer.ifPresent(HfTextTokenizer::close);
        manager.close();
        checkpoint.close();
    }
}
