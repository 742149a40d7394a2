package io.github.peft4j.adapter.prefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.ModelGeometry;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The prefix of one attention site ("part"), as Hugging Face PEFT's {@code PrefixEncoder}: with an MLP,
 * {@code Embedding(P, d) -> Linear(d, k) -> tanh -> Linear(k, L*2*d)}; without one, {@code Embedding(P, L*2*d)}
 * is the prefix itself. Either way its output is the rows {@code [P, L*2*d]} of
 * {@link io.github.peft4j.core.format.LayerPrefixes#fromRows}. Parameters keep PEFT's names under the part's
 * name prefix and torch's layouts (a Linear weight is {@code [out, in]}).
 */
final class PrefixEncoder {
    static final String EMBEDDING = "embedding.weight";
    static final String HIDDEN_WEIGHT = "transform.0.weight";
    static final String HIDDEN_BIAS = "transform.0.bias";
    static final String OUTPUT_WEIGHT = "transform.2.weight";
    static final String OUTPUT_BIAS = "transform.2.bias";

    private final AttentionSite site;
    private final String namePrefix;
    private final int length;
    private final int mlpWidth;
    private final int width;
    private final Map<String, NDArray> parameters;
    private final long[] virtualTokens;

    /**
     * @param parameters by short name ({@link #EMBEDDING}, ...), shaped as {@link #shapes} says; named here
     */
    PrefixEncoder(AttentionSite site, String namePrefix, int length, int mlpWidth, ModelGeometry geometry, Map<String, NDArray> parameters) {
        this.site = site;
        this.namePrefix = namePrefix;
        this.length = length;
        this.mlpWidth = mlpWidth;
        this.width = rowWidth(geometry, site);
        Map<String, NDArray> named = new LinkedHashMap<>();
        shapes(length, mlpWidth, geometry.hiddenSize(), width).keySet().forEach(name -> {
            NDArray parameter = parameters.get(name);
            parameter.setName(namePrefix + name);
            named.put(namePrefix + name, parameter);
        });
        this.parameters = Collections.unmodifiableMap(named);
        this.virtualTokens = new long[length];
        for (int p = 0; p < length; p++) {
            virtualTokens[p] = p;
        }
    }

    /** {@code L*2*d} for {@code site}'s stack. */
    static int rowWidth(ModelGeometry geometry, AttentionSite site) {
        return 2 * geometry.layers(site.stack()) * geometry.hiddenSize();
    }

    /** The parameters' short names and shapes, in PEFT's order: the embedding, then the MLP if {@code k > 0}. */
    static Map<String, Shape> shapes(int length, int mlpWidth, int hidden, int width) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        if (mlpWidth == 0) {
            shapes.put(EMBEDDING, new Shape(length, width));
            return shapes;
        }
        shapes.put(EMBEDDING, new Shape(length, hidden));
        shapes.put(HIDDEN_WEIGHT, new Shape(mlpWidth, hidden));
        shapes.put(HIDDEN_BIAS, new Shape(mlpWidth));
        shapes.put(OUTPUT_WEIGHT, new Shape(width, mlpWidth));
        shapes.put(OUTPUT_BIAS, new Shape(width));
        return shapes;
    }

    AttentionSite site() {
        return site;
    }

    String namePrefix() {
        return namePrefix;
    }

    int length() {
        return length;
    }

    int mlpWidth() {
        return mlpWidth;
    }

    /** Full names, in a stable order. */
    Map<String, NDArray> parameters() {
        return parameters;
    }

    /** Numbers in the exported form: P x L x 2 x d. */
    long exportedSize() {
        return (long) length * width;
    }

    /**
     * The prefix rows {@code [P, L*2*d]}, differentiable with respect to the parameters when grad mode is on. Every
     * array is created in {@code pass}: the chain starts from the virtual tokens' ids created there, and each op's
     * result joins its first operand's manager.
     */
    NDArray rows(NDManager pass) {
        NDArray ids = pass.create(virtualTokens);
        NDArray rows = Embedding.embedding(ids, parameters.get(namePrefix + EMBEDDING), SparseFormat.DENSE).singletonOrThrow();
        if (mlpWidth == 0) {
            return rows;
        }
        NDArray hidden = Linear.linear(rows, parameters.get(namePrefix + HIDDEN_WEIGHT), parameters.get(namePrefix + HIDDEN_BIAS))
                .singletonOrThrow()
                .tanh();
        return Linear.linear(hidden, parameters.get(namePrefix + OUTPUT_WEIGHT), parameters.get(namePrefix + OUTPUT_BIAS)).singletonOrThrow();
    }
}
