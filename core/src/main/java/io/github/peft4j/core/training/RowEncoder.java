package io.github.peft4j.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import io.github.peft4j.core.adapter.AdapterSizes;
import io.github.peft4j.core.memory.MemoryLimits;
import io.github.peft4j.core.training.optim.AdamW;
import io.github.peft4j.core.training.optim.AdamWConfig;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Trainable rows {@code [N, W]} of virtual tokens, trained directly ({@code Embedding(N, W)}) or reparameterised
 * as in Li &amp; Liang's code: {@code Embedding(N, d) -> Linear(d, k) -> tanh -> Linear(k, W)}. What the rows mean
 * is the adapter's business: embedding-only tuning uses {@code W = d} (input embeddings), infix-tuning
 * {@code W = L*2*d} (keys and values of every layer, in the layout of
 * {@link io.github.peft4j.core.format.LayerPrefixes#toRows}).
 *
 * <p>Parameters are named {@code <namePrefix>embedding.weight} and, with an MLP,
 * {@code <namePrefix>transform.{0,2}.{weight,bias}} (Hugging Face PEFT's names), in torch's layouts (a Linear weight
 * is {@code [out, in]}). Not thread-safe.
 */
public final class RowEncoder {
    public static final String EMBEDDING = "embedding.weight";
    public static final String HIDDEN_WEIGHT = "transform.0.weight";
    public static final String HIDDEN_BIAS = "transform.0.bias";
    public static final String OUTPUT_WEIGHT = "transform.2.weight";
    public static final String OUTPUT_BIAS = "transform.2.bias";

    /** Adam steps of {@link #fit}, as Li &amp; Liang's code pre-fits an MLP to real words' activations. */
    public static final int FIT_STEPS = 500;
    /** The learning rate of {@link #fit}. */
    public static final double FIT_LEARNING_RATE = 1e-4;

    private final String namePrefix;
    private final int rows;
    private final int mlpWidth;
    private final int width;
    private final Map<String, NDArray> parameters;
    private final long[] virtualTokens;

    /**
     * @param namePrefix prepended to the short names, e.g. {@code infix_module.}
     * @param rows N
     * @param mlpWidth k; 0 trains the rows directly
     * @param hidden d, the MLP's input width
     * @param width W, the width of a row
     * @param parameters by short name ({@link #EMBEDDING}, ...), shaped as {@link #shapes} says; they get their full
     *     names here
     */
    public RowEncoder(String namePrefix, int rows, int mlpWidth, int hidden, int width, Map<String, NDArray> parameters) {
        this.namePrefix = namePrefix;
        this.rows = rows;
        this.mlpWidth = mlpWidth;
        this.width = width;
        Map<String, NDArray> named = new LinkedHashMap<>();
        shapes(rows, mlpWidth, hidden, width).forEach((name, shape) -> {
            NDArray parameter = parameters.get(name);
            if (parameter == null || !parameter.getShape().equals(shape)) {
                throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "'" + namePrefix + name + "' must be " + shape + "; got "
                        + (parameter == null ? "nothing" : parameter.getShape()));
            }
            parameter.setName(namePrefix + name);
            named.put(namePrefix + name, parameter);
        });
        this.parameters = Collections.unmodifiableMap(named);
        this.virtualTokens = new long[rows];
        for (int row = 0; row < rows; row++) {
            virtualTokens[row] = row;
        }
    }

    /**
     * An encoder whose parameters start at {@code values} (by the names of {@link #shapes}), created in
     * {@code manager}; with {@code fitTo} (rows {@code [rows, width]}) the MLP is then pre-fitted to those rows.
     */
    public static RowEncoder start(String namePrefix, int rows, int mlpWidth, int hidden, int width, Map<String, float[]> values,
            Optional<float[]> fitTo, NDManager manager, NDManager scratch) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        shapes(rows, mlpWidth, hidden, width).forEach((name, shape) -> arrays.put(name, manager.create(values.get(name), shape)));
        RowEncoder encoder = new RowEncoder(namePrefix, rows, mlpWidth, hidden, width, arrays);
        fitTo.ifPresent(target -> encoder.fit(scratch.create(target, new Shape(rows, width)), scratch));
        return encoder;
    }

    /** The parameters' short names and shapes, in PEFT's order: the embedding, then the MLP if {@code k > 0}. */
    public static Map<String, Shape> shapes(int rows, int mlpWidth, int hidden, int width) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        if (mlpWidth == 0) {
            shapes.put(EMBEDDING, new Shape(rows, width));
            return shapes;
        }
        shapes.put(EMBEDDING, new Shape(rows, hidden));
        shapes.put(HIDDEN_WEIGHT, new Shape(mlpWidth, hidden));
        shapes.put(HIDDEN_BIAS, new Shape(mlpWidth));
        shapes.put(OUTPUT_WEIGHT, new Shape(width, mlpWidth));
        shapes.put(OUTPUT_BIAS, new Shape(width));
        return shapes;
    }

    /**
     * Checks, before anything is allocated, that {@code parts} encoders of {@code length} rows of {@code width}
     * with an MLP of {@code mlpWidth} can be made and run: each parameter fits one array, and the parameters and the
     * rows {@code [N, W]} each pass computes fit in memory.
     *
     * @param adapter names the adapter for the message, e.g. {@code A prefix}
     * @param hidden d, the MLP's input width
     */
    public static void checkSizes(String adapter, int parts, AdapterSizes.Source length, AdapterSizes.Source mlpWidth, int hidden, long width,
            MemoryLimits limits) {
        long rows = length.value();
        long k = mlpWidth.value();
        if (k == 0) {
            AdapterSizes.checkArray("'" + EMBEDDING + "'", rows, width, length, width);
        }
        else {
            AdapterSizes.checkArray("'" + EMBEDDING + "'", rows, hidden, length, hidden);
            // The larger of the MLP's two weights decides the largest k that fits.
            if (width >= hidden) {
                AdapterSizes.checkArray("'" + OUTPUT_WEIGHT + "'", width, k, mlpWidth, width);
            }
            else {
                AdapterSizes.checkArray("'" + HIDDEN_WEIGHT + "'", k, hidden, mlpWidth, hidden);
            }
        }
        double rowNumbers = (double) rows * width;
        double byLength = rowNumbers + (k == 0 ? rowNumbers : (double) rows * hidden);
        double byWidth = (double) k * (hidden + 1 + width);
        double parameters = (k == 0 ? rowNumbers : (double) rows * hidden + byWidth + width) * parts;
        String needs = String.format(Locale.ROOT, "%,.0f parameters and the [%d, %d] rows each pass computes%s, 4 bytes each; training adds"
                + " gradients and optimizer state, 3 more numbers per parameter", parameters, rows, width, parts > 1 ? " for each of its " + parts + " parts" : "");
        AdapterSizes.checkMemory(adapter + " with " + length.what() + " and " + mlpWidth.what(), 4 * parameters, 4 * (parameters + rowNumbers * parts),
                needs, byWidth > byLength ? mlpWidth.remedy() : length.remedy(), limits);
    }

    /**
     * PyTorch's default initialisation of the same modules, drawn from {@code random}: {@code torch.nn.Embedding}
     * N(0, 1); {@code torch.nn.Linear} weight and bias U(-1/sqrt(in), 1/sqrt(in)).
     */
    public static Map<String, float[]> randomValues(Map<String, Shape> shapes, RandomGenerator random) {
        Map<String, float[]> values = new LinkedHashMap<>();
        shapes.forEach((name, shape) -> {
            float[] value = new float[Math.toIntExact(shape.size())];
            if (name.equals(EMBEDDING)) {
                for (int i = 0; i < value.length; i++) {
                    value[i] = (float) random.nextGaussian();
                }
            }
            else {
                boolean hiddenLayer = name.equals(HIDDEN_WEIGHT) || name.equals(HIDDEN_BIAS);
                long fanIn = shapes.get(hiddenLayer ? HIDDEN_WEIGHT : OUTPUT_WEIGHT).get(1);
                double bound = 1 / Math.sqrt(fanIn);
                for (int i = 0; i < value.length; i++) {
                    value[i] = (float) random.nextDouble(-bound, bound);
                }
            }
            values.put(name, value);
        });
        return values;
    }

    /** N. */
    public int rows() {
        return rows;
    }

    /** k; 0 when the rows are trained directly. */
    public int mlpWidth() {
        return mlpWidth;
    }

    /** W. */
    public int width() {
        return width;
    }

    /** The parameters by full name, in a stable order. */
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    /** Numbers in the produced form: N x W. */
    public long exportedSize() {
        return (long) rows * width;
    }

    /**
     * The rows {@code [N, W]}, differentiable with respect to the parameters when grad mode is on. Every array is
     * created in {@code pass}: the chain starts from ids created there, and each op's result joins its first
     * operand's manager.
     */
    public NDArray rows(NDManager pass) {
        NDArray ids = pass.create(virtualTokens);
        NDArray produced = Embedding.embedding(ids, parameters.get(namePrefix + EMBEDDING), SparseFormat.DENSE).singletonOrThrow();
        if (mlpWidth == 0) {
            return produced;
        }
        NDArray hidden = Linear.linear(produced, parameters.get(namePrefix + HIDDEN_WEIGHT), parameters.get(namePrefix + HIDDEN_BIAS))
                .singletonOrThrow()
                .tanh();
        return Linear.linear(hidden, parameters.get(namePrefix + OUTPUT_WEIGHT), parameters.get(namePrefix + OUTPUT_BIAS)).singletonOrThrow();
    }

    /**
     * Fits the parameters to {@code target} rows {@code [N, W]} in place: {@value #FIT_STEPS} Adam steps at
     * {@value #FIT_LEARNING_RATE} on the mean squared error, as Li &amp; Liang's code initialises an MLP-reparameterised
     * prefix from real words. Opens a gradient collector per step, so it must not run inside one. The parameters are
     * left with zeroed gradients and no longer requiring one.
     *
     * @param scratch where the steps' temporary arrays go; each step's are freed before the next
     */
    public void fit(NDArray target, NDManager scratch) {
        if (!target.getShape().equals(new Shape(rows, width))) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Rows to fit must be [" + rows + ", " + width + "]; got " + target.getShape());
        }
        Collection<NDArray> all = parameters.values();
        all.forEach(parameter -> parameter.setRequiresGradient(true));
        try (AdamW optimizer = new AdamW(parameters, AdamWConfig.DEFAULT)) {
            for (int step = 0; step < FIT_STEPS; step++) {
                try (NDManager pass = scratch.newSubManager()) {
                    try (GradientCollector collector = pass.getEngine().newGradientCollector()) {
                        collector.backward(rows(pass).sub(target).square().mean());
                    }
                    optimizer.step(FIT_LEARNING_RATE); // leaves the gradients zero for the next step
                }
            }
        }
        finally {
            all.forEach(parameter -> parameter.setRequiresGradient(false));
        }
    }
}
