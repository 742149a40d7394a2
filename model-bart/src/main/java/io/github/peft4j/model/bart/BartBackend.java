package io.github.peft4j.model.bart;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A loaded BART: frozen weights in their own manager, forward passes over encoder and decoder, cached decoding,
 * and prefixes at the three attention sites ({@link AttentionSite#ENCODER_SELF}, {@link AttentionSite#DECODER_SELF},
 * {@link AttentionSite#DECODER_CROSS}), each with its own length.
 */
final class BartBackend implements ModelBackend {
    /** What masked-out attention scores get: Hugging Face adds float32's minimum. */
    static final float MASKED = -Float.MAX_VALUE;

    private final BartConfig config;
    private final NDManager manager;
    private final BartWeights weights;
    private final BartTransformer transformer;
    /** Open while the weights read its mapped pages; checked before every use of them. */
    private final SafetensorsCheckpoint checkpoint;
    private final Optional<HfTextTokenizer> tokenizer;

    BartBackend(BartConfig config, NDManager manager, BartWeights weights, SafetensorsCheckpoint checkpoint,
            Optional<HfTextTokenizer> tokenizer) {
        this.config = config;
        this.manager = manager;
        this.weights = weights;
        this.checkpoint = checkpoint;
        this.transformer = new BartTransformer(config, weights);
        this.tokenizer = tokenizer;
    }

    @Override
    public String family() {
        return BartBackendProvider.NAME;
    }

    @Override
    public ModelGeometry geometry() {
        return config.geometry();
    }

    BartConfig config() {
        return config;
    }

    BartWeights weights() {
        return weights;
    }

    BartTransformer transformer() {
        return transformer;
    }

    @Override
    public Optional<TextTokenizer> tokenizer() {
        return tokenizer.map(TextTokenizer.class::cast);
    }

    @Override
    public Set<Long> eosTokenIds() {
        return Set.of(config.eosTokenId());
    }

    /** The configuration's pad, bos, eos and decoder start ids (BART names all four). */
    @Override
    public SpecialTokens specialTokens() {
        return new SpecialTokens(OptionalLong.of(config.padTokenId()), OptionalLong.of(config.bosTokenId()), OptionalLong.of(config.eosTokenId()),
                OptionalLong.of(config.decoderStartTokenId()));
    }

    @Override
    public Set<InjectionPoint> injectionPoints() {
        return Set.of(InjectionPoint.ATTENTION_PREFIX);
    }

    /** Every parameter by its Hugging Face name without {@code model.}; the buffer {@code final_logits_bias} is not one. */
    @Override
    public Map<String, NDArray> baseParameters() {
        return weights.byName();
    }

    /**
     * Logits {@code [batch, decoder length, vocab]} over the decoder input; arrays of the pass live in the manager
     * of {@code input.inputIds()}. Without decoder ids the decoder reads the encoder ids shifted right behind
     * {@code decoder_start_token_id}, as Hugging Face's {@code BartModel} does.
     */
    @Override
    public NDArray forward(ForwardInput input, AdapterHooks hooks) {
        BartInputs inputs = BartInputs.of(input, hooks, config, BartInputs.DecoderDefault.SHIFTED_INPUT);
        NDManager pass = input.inputIds().getManager();
        BartTransformer.Scalars scalars = new BartTransformer.Scalars(pass, config);
        BartTransformer.EncoderPass encoded = encode(pass, inputs, scalars);
        List<BartTransformer.KeyValue> cross = transformer.crossKeyValues(encoded.hidden());
        return transformer.logits(input.atLogitPositions(decode(pass, inputs, cross, scalars).hidden()));
    }

    /**
     * Each layer's keys and values of {@code site} for the tokens {@code tokenIds} ({@code [1, T]}, positions from
     * 0, no prefix), in the manager of {@code tokenIds}:
     * <ul>
     *   <li>{@link AttentionSite#ENCODER_SELF}: the encoder's self-attention over the tokens as the source;</li>
     *   <li>{@link AttentionSite#DECODER_CROSS}: what each decoder layer's cross-attention computes from the encoder
     *       output of the tokens as the source (the words' encoder states, as a cross prefix sees them);</li>
     *   <li>{@link AttentionSite#DECODER_SELF}: the decoder's self-attention over the tokens as the decoder input
     *       (not shifted), with the same tokens as the source.</li>
     * </ul>
     * Only the decoder self-attention reproduces a longer sequence exactly (with the same source, real tokens
     * numbered from T): the encoder attends both ways, and the source changes between uses.
     */
    @Override
    public List<KeyValuePrefix> keyValues(NDArray tokenIds, AttentionSite site) {
        ForwardInput input = ForwardInput.of(tokenIds);
        if (site == AttentionSite.DECODER_SELF) {
            input = input.withDecoderInput(tokenIds, Optional.empty());
        }
        BartInputs inputs = BartInputs.of(input, AdapterHooks.NONE, config, BartInputs.DecoderDefault.SHIFTED_INPUT);
        if (inputs.batch != 1) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "keyValues takes one row of tokens, [1, T]; got " + tokenIds.getShape());
        }
        NDManager pass = tokenIds.getManager();
        BartTransformer.Scalars scalars = new BartTransformer.Scalars(pass, config);
        BartTransformer.EncoderPass encoded = encode(pass, inputs, scalars);
        List<BartTransformer.KeyValue> keyValues = switch (site) {
            case ENCODER_SELF -> encoded.selfKeyValues();
            case DECODER_CROSS -> transformer.crossKeyValues(encoded.hidden());
            case DECODER_SELF -> decode(pass, inputs, transformer.crossKeyValues(encoded.hidden()), scalars).present();
        };
        return keyValues.stream().map(kv -> new KeyValuePrefix(kv.keys(), kv.values())).toList();
    }

    /**
     * Rows of {@code shared} for the ids ({@code [..., hidden]}, before positions and {@code scale_embedding}), in
     * the ids' manager, without gradient. BART offers no virtual input embeddings yet; this serves whoever needs the
     * words' embeddings.
     */
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
            if (id < 0 || id >= config.vocabSize()) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Token id " + id + " is outside the model's vocabulary [0, "
                        + config.vocabSize() + ")");
            }
        }
        requireWeightsUnchanged();
        try (NDArray index = tokenIds.getManager().create(ids, tokenIds.getShape())) {
            return transformer.tokenEmbeddings(index).stopGradient();
        }
    }

    /**
     * Starts decoding: the encoder runs once over {@code prompt.inputIds()}, each decoder layer's cross-attention
     * keys/values are computed once from its output, and the decoder runs over {@code prompt.decoderInputIds()}
     * (left-padded rows; absent means {@code decoder_start_token_id} alone, as Hugging Face's {@code generate}).
     */
    @Override
    public DecodingState startDecoding(ForwardInput prompt, AdapterHooks hooks) {
        BartInputs inputs = BartInputs.of(prompt, hooks, config, BartInputs.DecoderDefault.START_TOKEN);
        return new BartDecodingState(this, inputs, manager.newSubManager());
    }

    /** The encoder over the batch's source, with its prefixes. */
    BartTransformer.EncoderPass encode(NDManager pass, BartInputs inputs, BartTransformer.Scalars scalars) {
        requireWeightsUnchanged();
        int source = inputs.sourceLength();
        NDArray ids = pass.create(flatten(inputs.encoderIds), new Shape(inputs.batch, source));
        NDArray rows = pass.create(tableRows(inputs.encoderPositions), new Shape(inputs.batch, source));
        NDArray hidden = transformer.embed(weights.encoder, ids, rows, scalars);
        NDArray mask = paddingMask(pass, inputs.encoderMask, inputs.encoderPrefix.length());
        return transformer.encode(hidden, mask, inputs.encoderPrefix, scalars);
    }

    /**
     * Refuses to go on when the checkpoint file the weights are mapped from has changed on disk: native code reading
     * a page of a truncated file would abort the JVM. Run before every pass over the weights.
     */
    void requireWeightsUnchanged() {
        checkpoint.requireUnchanged();
    }

    /** The decoder over the batch's whole decoder input, with its prefixes and the encoder's keys/values. */
    BartTransformer.DecoderPass decode(NDManager pass, BartInputs inputs, List<BartTransformer.KeyValue> cross, BartTransformer.Scalars scalars) {
        int target = inputs.targetLength();
        NDArray ids = pass.create(flatten(inputs.decoderIds), new Shape(inputs.batch, target));
        NDArray rows = pass.create(tableRows(inputs.decoderPositions), new Shape(inputs.batch, target));
        NDArray hidden = transformer.embed(weights.decoder, ids, rows, scalars);
        NDArray selfMask = causalMask(pass, inputs.decoderMask, inputs.decoderPrefix.length(), 0, target);
        NDArray crossMask = paddingMask(pass, inputs.encoderMask, inputs.crossPrefix.length());
        return transformer.decode(hidden, selfMask, inputs.decoderPrefix, null, cross, crossMask, inputs.crossPrefix, scalars);
    }

    /** The additive padding mask {@code [batch, 1, 1, prefix + keys]}: prefix columns and real tokens visible. */
    static NDArray paddingMask(NDManager manager, long[][] keyMask, int prefixLength) {
        int batch = keyMask.length;
        int keys = keyMask[0].length;
        int columns = prefixLength + keys;
        float[] mask = new float[batch * columns];
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < keys; k++) {
                mask[b * columns + prefixLength + k] = keyMask[b][k] == 1 ? 0f : MASKED;
            }
        }
        return manager.create(mask, new Shape(batch, 1, 1, columns));
    }

    /**
     * The additive causal mask {@code [batch, 1, queries, prefix + keys]} for the last {@code queries} of
     * {@code keys} decoder positions: prefix columns are always visible; a token column is visible when it is a
     * real token at or before the query.
     */
    static NDArray causalMask(NDManager manager, long[][] sequenceMask, int prefixLength, int firstQuery, int keys) {
        int batch = sequenceMask.length;
        int queries = keys - firstQuery;
        int columns = prefixLength + keys;
        float[] mask = new float[batch * queries * columns];
        int at = 0;
        for (int b = 0; b < batch; b++) {
            for (int q = 0; q < queries; q++) {
                at += prefixLength;
                int query = firstQuery + q;
                for (int k = 0; k < keys; k++) {
                    mask[at++] = k <= query && sequenceMask[b][k] == 1 ? 0f : MASKED;
                }
            }
        }
        return manager.create(mask, new Shape(batch, 1, queries, columns));
    }

    /** Rows of a position table: BART looks position p up at row {@code p + 2}. */
    static long[] tableRows(long[][] positions) {
        long[] rows = flatten(positions);
        for (int i = 0; i < rows.length; i++) {
            rows[i] += BartConfig.POSITION_OFFSET;
        }
        return rows;
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
