package io.github.peft4j.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
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
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * GPT-2's computation with Hugging Face's semantics. Every intermediate array is derived from the activations
 * (the first operand of each op), so that it lands in the caller's manager and never in the model's.
 */
final class Gpt2Transformer {
    /** A layer's keys and values of real tokens, {@code [batch, heads, length, headDim]}. */
    record KeyValue(NDArray keys, NDArray values) {}

    /** The result of one pass: final hidden states and, per layer, the keys/values of all real tokens so far. */
    record Pass(NDArray hidden, List<KeyValue> present) {}

    private final Gpt2Config config;
    private final Gpt2Weights weights;

    Gpt2Transformer(Gpt2Config config, Gpt2Weights weights) {
        this.config = config;
        this.weights = weights;
    }

    /** Token plus position embeddings, {@code [batch, length, hidden]}. */
    NDArray embed(NDArray tokenIds, NDArray positionIds) {
        NDArray tokens = Embedding.embedding(tokenIds, weights.tokenEmbedding, SparseFormat.DENSE).singletonOrThrow();
        NDArray positions = Embedding.embedding(positionIds, weights.positionEmbedding, SparseFormat.DENSE).singletonOrThrow();
        return tokens.add(positions);
    }

    /** Token embeddings only ({@code wte} rows), {@code [..., hidden]}. */
    NDArray tokenEmbeddings(NDArray tokenIds) {
        return Embedding.embedding(tokenIds, weights.tokenEmbedding, SparseFormat.DENSE).singletonOrThrow();
    }

    /** Position embeddings only (for virtual input embeddings, which have no token). */
    NDArray positionEmbeddings(NDArray positionIds) {
        return Embedding.embedding(positionIds, weights.positionEmbedding, SparseFormat.DENSE).singletonOrThrow();
    }

    /**
     * Runs every block and the final LayerNorm.
     *
     * @param hidden input embeddings {@code [batch, length, hidden]}
     * @param additiveMask {@code [batch, 1, length, P + I + past + length]}: 0 where a query may look, a huge
     *     negative number elsewhere; columns are the prefix, then the infix, then the past, then this pass's tokens
     * @param prefixes per layer, or null entries for none
     * @param infixes per layer, or null entries for none
     * @param past per layer, or null when nothing is cached
     * @param outputRows picks, from the last block's residual stream after its attention, the rows whose hidden states
     *     are wanted (the keys and values of every row are computed before): the last MLP and the final LayerNorm run
     *     on those rows only, which the pass's hidden states then are
     */
    Pass run(NDArray hidden, NDArray additiveMask, List<KeyValuePrefix> prefixes, List<KeyValuePrefix> infixes, List<KeyValue> past,
            UnaryOperator<NDArray> outputRows) {
        List<KeyValue> present = new ArrayList<>(config.layers());
        NDArray x = hidden;
        for (int layer = 0; layer < config.layers(); layer++) {
            // A layer's intermediates are freed when it ends; autograd keeps its own references to what backward
            // needs. Left to the pass's manager, every intermediate of every layer would live until the step ends.
            try (NDScope intermediates = new NDScope()) {
                intermediates.suppressNotUsedWarning();
                Gpt2Weights.Block block = weights.blocks.get(layer);
                NDArray normed = layerNorm(x, block.ln1Weight(), block.ln1Bias());
                KeyValue[] cache = new KeyValue[1];
                NDArray attended = attention(normed, block, layer, additiveMask, prefixes.get(layer), infixes.get(layer),
                        past == null ? null : past.get(layer), cache);
                present.add(cache[0]);
                x = x.add(attended);
                if (layer == config.layers() - 1) {
                    x = outputRows.apply(x);
                }
                NDArray inner = conv1d(layerNorm(x, block.ln2Weight(), block.ln2Bias()), block.mlpIn());
                x = x.add(conv1d(activation(inner), block.mlpOut()));
                NDScope.unregister(x, cache[0].keys(), cache[0].values());
            }
        }
        return new Pass(layerNorm(x, weights.finalNormWeight, weights.finalNormBias), present);
    }

    /** Logits {@code [..., vocab]} of final hidden states: the LM head is tied to {@code wte} ({@code x wte^T}). */
    NDArray logits(NDArray hidden) {
        return Linear.linear(hidden, weights.tokenEmbedding).singletonOrThrow();
    }

    private NDArray attention(NDArray x, Gpt2Weights.Block block, int layer, NDArray additiveMask, KeyValuePrefix prefix,
            KeyValuePrefix infix, KeyValue past, KeyValue[] presentOut) {
        long batch = x.getShape().get(0);
        long length = x.getShape().get(1);
        long d = config.hiddenSize();
        NDList qkv = conv1d(x, block.qkv()).split(new long[] {d, 2 * d}, 2);
        NDArray query = splitHeads(qkv.get(0), batch, length);
        NDArray keys = splitHeads(qkv.get(1), batch, length);
        NDArray values = splitHeads(qkv.get(2), batch, length);
        if (past != null) {
            keys = NDArrays.concat(new NDList(past.keys(), keys), 2);
            values = NDArrays.concat(new NDList(past.values(), values), 2);
        }
        presentOut[0] = new KeyValue(keys, values);
        // The virtual columns in the mask's order: the prefix, then the infix.
        List<KeyValuePrefix> virtual = Stream.of(prefix, infix).filter(Objects::nonNull).toList();
        NDArray context = past == null ? sequenceAttention(query, keys, values, virtual, additiveMask, layer, batch)
                : stepAttention(query, keys, values, virtual, additiveMask, layer);
        NDArray merged = context.transpose(0, 2, 1, 3).reshape(batch, length, d);
        return conv1d(merged, block.attentionOut());
    }

    /**
     * Attention over a whole sequence (training, a prompt): torch's {@code scaled_dot_product_attention}, a flash kernel
     * on CPU forward and backward, over the prefix's, the infix's and the sequence's keys joined in the mask's column
     * order. A prefix that every row shares ({@code [1, heads, P, headDim]}) is expanded to the batch as a view.
     */
    private NDArray sequenceAttention(NDArray query, NDArray keys, NDArray values, List<KeyValuePrefix> virtual, NDArray additiveMask,
            int layer, long batch) {
        NDArray allKeys = keys;
        NDArray allValues = values;
        if (!virtual.isEmpty()) {
            NDList keyParts = new NDList(virtual.size() + 1);
            NDList valueParts = new NDList(virtual.size() + 1);
            for (KeyValuePrefix part : virtual) {
                keyParts.add(toBatch(part.keys(), batch));
                valueParts.add(toBatch(part.values(), batch));
            }
            allKeys = NDArrays.concat(keyParts.addAll(new NDList(keys)), 2);
            allValues = NDArrays.concat(valueParts.addAll(new NDList(values)), 2);
        }
        return FusedOps.attention(query, allKeys, allValues, additiveMask, attentionScale(layer));
    }

    /**
     * One decoding step's query against the cache. Its scores are a single row per head, and the fused kernel would
     * cost more than it saves: it also needs the prefix and the whole cache joined into one copy each step (measured
     * in {@code bench generate}: 5% slower and 0.8 GB more resident). Prefix and infix scores come from a broadcasting
     * matmul, {@code [batch, heads, 1, D] x [1 or batch, heads, D, P]}: beams share one prefix (or infix) without copies.
     */
    private NDArray stepAttention(NDArray query, NDArray keys, NDArray values, List<KeyValuePrefix> virtual, NDArray additiveMask,
            int layer) {
        NDArray scale = query.getManager().create(attentionScale(layer));
        NDList scoreParts = new NDList(virtual.size() + 1);
        long[] cuts = new long[virtual.size()];
        long column = 0;
        for (int i = 0; i < virtual.size(); i++) {
            scoreParts.add(query.matMul(virtual.get(i).keys().transpose(0, 1, 3, 2)).mul(scale));
            column += virtual.get(i).length();
            cuts[i] = column;
        }
        scoreParts.add(query.matMul(keys.transpose(0, 1, 3, 2)).mul(scale));
        NDArray scores = virtual.isEmpty() ? scoreParts.get(0) : NDArrays.concat(scoreParts, 3);
        NDArray probabilities = scores.add(additiveMask).softmax(3);
        if (virtual.isEmpty()) {
            return probabilities.matMul(values);
        }
        NDList parts = probabilities.split(cuts, 3);
        NDArray context = parts.get(virtual.size()).matMul(values);
        for (int i = 0; i < virtual.size(); i++) {
            context = context.add(parts.get(i).matMul(virtual.get(i).values()));
        }
        return context;
    }

    /**
     * Hugging Face's {@code Conv1D}, {@code x W + b} with {@code W} stored {@code [in, out]}: as torch's linear of the
     * transposed view, which hands the stored matrix to one GEMM that also adds the bias (no copy, no separate add).
     * With bfloat16 copies of a frozen weight, one bf16 GEMM instead.
     */
    private static NDArray conv1d(NDArray x, Gpt2Weights.Projection projection) {
        NDArray[] bf16 = projection.bf16();
        if (bf16 != null) {
            return FusedOps.linearBf16(x, bf16[0], bf16[1]);
        }
        // Made per pass, so that autograd links it to a weight that is being trained (the full fine-tuning baseline).
        NDArray transposed = projection.weight.transpose();
        transposed.attach(x.getManager());
        return Linear.linear(x, transposed, projection.bias).singletonOrThrow();
    }

    private NDArray splitHeads(NDArray x, long batch, long length) {
        return x.reshape(batch, length, config.heads(), config.headDim()).transpose(0, 2, 1, 3);
    }

    /** What the attention scores are multiplied by: Hugging Face's {@code 1 / sqrt(headDim)} and {@code 1 / (layer + 1)}. */
    private float attentionScale(int layer) {
        double scale = config.scaleAttentionWeights() ? 1 / Math.sqrt(config.headDim()) : 1;
        return (float) (config.scaleByInverseLayerIndex() ? scale / (layer + 1) : scale);
    }

    private static NDArray toBatch(NDArray perRowOrShared, long batch) {
        Shape shape = perRowOrShared.getShape();
        return shape.get(0) == batch ? perRowOrShared : perRowOrShared.broadcast(new Shape(batch, shape.get(1), shape.get(2), shape.get(3)));
    }

    private NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
        return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), gamma, beta, (float) config.layerNormEpsilon()).singletonOrThrow();
    }

    private NDArray activation(NDArray x) {
        return switch (config.activation()) {
            // torch's fused kernel: one pass forward and one backward, where DJL's element-wise ops take six and keep
            // three intermediates for autograd on the block's widest activations.
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> FusedOps.geluTanh(x);
            case "gelu" -> Activation.gelu(x);
            case "relu" -> Activation.relu(x);
            default -> throw new IllegalStateException("unsupported activation " + config.activation());
        };
    }
}
