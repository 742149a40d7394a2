package io.github.peft4j.model.bart;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import io.github.peft4j.core.torch.FusedOps;
import io.github.peft4j.spi.KeyValuePrefix;
import java.util.ArrayList;
import java.util.List;

/**
 * BART's computation with Hugging Face's semantics ({@code BartForConditionalGeneration}): post-LayerNorm layers,
 * {@code layernorm_embedding} after token plus learned position embeddings, queries scaled by
 * {@code head_dim^-0.5} before the product with the keys, logits {@code hidden x shared^T + final_logits_bias}.
 *
 * <p>A prefix is prepended to an attention's keys and values: its scores are computed by a broadcasting product
 * (a {@code [1, heads, P, headDim]} prefix serves every row without copies) and concatenated in front of the
 * tokens' scores; the additive mask has P visible columns in front.
 *
 * <p>Every intermediate array is derived from the activations (the first operand of each op), so that it lands
 * in the caller's manager and never in the model's. Scalars are arrays created per pass ({@link Scalars}), never
 * {@code NDArray.mul(Number)}: DJL frees the buffer behind a Java number while autograd still needs it.
 */
final class BartTransformer {
    /** Keys and values of one attention, {@code [batch, heads, length, headDim]}. */
    record KeyValue(NDArray keys, NDArray values) {}

    /** The encoder's output and, per layer, its self-attention keys/values. */
    record EncoderPass(NDArray hidden, List<KeyValue> selfKeyValues) {}

    /** The decoder's output and, per layer, the self-attention keys/values of all its tokens so far. */
    record DecoderPass(NDArray hidden, List<KeyValue> present) {}

    private final BartConfig config;
    private final BartWeights weights;

    BartTransformer(BartConfig config, BartWeights weights) {
        this.config = config;
        this.weights = weights;
    }

    /**
     * Token embeddings (scaled when {@code scale_embedding}) plus learned positions, through the stack's
     * {@code layernorm_embedding}: {@code [batch, length, hidden]}.
     *
     * @param tableRows position ids with BART's offset of 2 already added
     */
    NDArray embed(BartWeights.StackWeights stack, NDArray tokenIds, NDArray tableRows, Scalars scalars) {
        NDArray tokens = tokenEmbeddings(tokenIds);
        if (config.scaleEmbedding()) {
            tokens = tokens.mul(scalars.embedScale);
        }
        NDArray positions = Embedding.embedding(tableRows, stack.positions(), SparseFormat.DENSE).singletonOrThrow();
        return layerNorm(tokens.add(positions), stack.embeddingNorm());
    }

    /** Rows of {@code shared} for the ids: token embeddings before positions and any embedding scale. */
    NDArray tokenEmbeddings(NDArray tokenIds) {
        return Embedding.embedding(tokenIds, weights.shared, SparseFormat.DENSE).singletonOrThrow();
    }

    /**
     * Runs every encoder layer.
     *
     * @param additiveMask {@code [batch, 1, 1, P + source]}: 0 where a key is visible, a huge negative number at padding
     * @param prefixes the encoder self-attention prefixes
     */
    EncoderPass encode(NDArray hidden, NDArray additiveMask, BartInputs.SitePrefixes prefixes, Scalars scalars) {
        List<KeyValue> keyValues = new ArrayList<>(config.encoderLayers());
        NDArray x = hidden;
        for (int i = 0; i < config.encoderLayers(); i++) {
            BartWeights.Layer layer = weights.encoder.layers().get(i);
            NDArray query = splitHeads(project(x, layer.self().queryWeight(), layer.self().queryBias()).mul(scalars.scaling));
            KeyValue own = keysAndValues(x, layer.self());
            keyValues.add(own);
            NDArray attended = attend(query, own, prefixes.layer(i), additiveMask, layer.self());
            x = layerNorm(x.add(attended), layer.selfNorm());
            x = layerNorm(x.add(feedForward(x, layer)), layer.finalNorm());
        }
        return new EncoderPass(x, keyValues);
    }

    /** Per decoder layer, the cross-attention keys and values of the encoder output: computed once per input. */
    List<KeyValue> crossKeyValues(NDArray encoderHidden) {
        List<KeyValue> cross = new ArrayList<>(config.decoderLayers());
        for (BartWeights.Layer layer : weights.decoder.layers()) {
            cross.add(keysAndValues(encoderHidden, layer.cross()));
        }
        return cross;
    }

    /**
     * Runs every decoder layer over this pass's tokens.
     *
     * @param selfMask {@code [batch, 1, length, P + past + length]}: causal and padding, prefix columns visible
     * @param selfPrefixes the decoder self-attention prefixes
     * @param past per layer, the self-attention keys/values of earlier tokens, or null when nothing is cached
     * @param cross per layer, the keys/values of the encoder output ({@link #crossKeyValues})
     * @param crossMask {@code [batch, 1, 1, P + source]}: the encoder padding, prefix columns visible
     * @param crossPrefixes the cross-attention prefixes
     */
    DecoderPass decode(NDArray hidden, NDArray selfMask, BartInputs.SitePrefixes selfPrefixes, List<KeyValue> past, List<KeyValue> cross,
            NDArray crossMask, BartInputs.SitePrefixes crossPrefixes, Scalars scalars) {
        List<KeyValue> present = new ArrayList<>(config.decoderLayers());
        NDArray x = hidden;
        for (int i = 0; i < config.decoderLayers(); i++) {
            BartWeights.Layer layer = weights.decoder.layers().get(i);
            NDArray query = splitHeads(project(x, layer.self().queryWeight(), layer.self().queryBias()).mul(scalars.scaling));
            KeyValue own = keysAndValues(x, layer.self());
            if (past != null) {
                own = new KeyValue(NDArrays.concat(new NDList(past.get(i).keys(), own.keys()), 2),
                        NDArrays.concat(new NDList(past.get(i).values(), own.values()), 2));
            }
            present.add(own);
            x = layerNorm(x.add(attend(query, own, selfPrefixes.layer(i), selfMask, layer.self())), layer.selfNorm());

            NDArray crossQuery = splitHeads(project(x, layer.cross().queryWeight(), layer.cross().queryBias()).mul(scalars.scaling));
            x = layerNorm(x.add(attend(crossQuery, cross.get(i), crossPrefixes.layer(i), crossMask, layer.cross())), layer.crossNorm());
            x = layerNorm(x.add(feedForward(x, layer)), layer.finalNorm());
        }
        return new DecoderPass(x, present);
    }

    /** Logits {@code [..., vocab]}: {@code hidden x lm_head^T + final_logits_bias} (the head is {@code shared} when tied). */
    NDArray logits(NDArray hidden) {
        return Linear.linear(hidden, weights.lmHead).singletonOrThrow().add(weights.finalLogitsBias);
    }

    /** Softmax attention of {@code query} over {@code [prefix; kv]}, through the output projection. */
    private NDArray attend(NDArray query, KeyValue kv, KeyValuePrefix prefix, NDArray additiveMask, BartWeights.Attention attention) {
        long batch = query.getShape().get(0);
        long length = query.getShape().get(2);
        NDArray scores = query.matMul(kv.keys().transpose(0, 1, 3, 2));
        if (prefix != null) {
            // [batch, heads, T, D] x [1 or batch, heads, D, P] broadcasts: beams share one prefix without copies.
            // The transposed view would land in the adapter's manager: it belongs to this pass.
            NDArray prefixKeys = prefix.keys().transpose(0, 1, 3, 2);
            prefixKeys.attach(query.getManager());
            NDArray prefixScores = query.matMul(prefixKeys);
            scores = NDArrays.concat(new NDList(prefixScores, scores), 3);
        }
        NDArray probabilities = scores.add(additiveMask).softmax(3);
        NDArray context;
        if (prefix != null) {
            NDList parts = probabilities.split(new long[] {prefix.length()}, 3);
            context = parts.get(0).matMul(prefix.values()).add(parts.get(1).matMul(kv.values()));
        }
        else {
            context = probabilities.matMul(kv.values());
        }
        NDArray merged = context.transpose(0, 2, 1, 3).reshape(batch, length, config.hiddenSize());
        return project(merged, attention.outWeight(), attention.outBias());
    }

    private KeyValue keysAndValues(NDArray x, BartWeights.Attention attention) {
        return new KeyValue(splitHeads(project(x, attention.keyWeight(), attention.keyBias())),
                splitHeads(project(x, attention.valueWeight(), attention.valueBias())));
    }

    private NDArray feedForward(NDArray x, BartWeights.Layer layer) {
        NDArray inner = activation(project(x, layer.fc1Weight(), layer.fc1Bias()));
        return project(inner, layer.fc2Weight(), layer.fc2Bias());
    }

    private static NDArray project(NDArray x, NDArray weight, NDArray bias) {
        return Linear.linear(x, weight, bias).singletonOrThrow();
    }

    /** {@code [batch, length, hidden]} to {@code [batch, heads, length, headDim]}. */
    private NDArray splitHeads(NDArray x) {
        long batch = x.getShape().get(0);
        long length = x.getShape().get(1);
        return x.reshape(batch, length, config.heads(), config.headDim()).transpose(0, 2, 1, 3);
    }

    private NDArray layerNorm(NDArray x, BartWeights.Norm norm) {
        return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), norm.weight(), norm.bias(), BartConfig.LAYER_NORM_EPSILON).singletonOrThrow();
    }

    private NDArray activation(NDArray x) {
        return switch (config.activation()) {
            // The exact (erf) GELU: BART's "gelu".
            case "gelu" -> Activation.gelu(x);
            // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), torch's fused kernel
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> FusedOps.geluTanh(x);
            case "relu" -> Activation.relu(x);
            case "silu", "swish" -> x.mul(Activation.sigmoid(x));
            case "tanh" -> x.tanh();
            default -> throw new IllegalStateException("unsupported activation " + config.activation());
        };
    }

    /** Scalar constants of one pass, as arrays in the pass's manager (kept alive for backward). */
    static final class Scalars {
        final NDArray scaling;
        final NDArray embedScale;

        Scalars(NDManager manager, BartConfig config) {
            this.scaling = manager.full(new Shape(), (float) Math.pow(config.headDim(), -0.5));
            this.embedScale = manager.full(new Shape(), (float) Math.sqrt(config.hiddenSize()));
        }
    }
}
