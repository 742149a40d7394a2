package io.github.peft4j.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.core.torch.FusedOps;
import io.github.peft4j.spi.ModelGeometry;
import java.util.Arrays;
import java.util.function.Supplier;

/** What every benchmark reports alike: the spread of repeated timings, and the machine's practical GEMM peak. */
final class BenchFigures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private BenchFigures() {}

    /**
     * The start of a benchmark's report: its name, implementation, versions and threads, and a {@code workload}
     * object holding the model's shape, for the caller to add its own workload fields to.
     */
    static ObjectNode report(String benchmark, ModelGeometry geometry, int threads) {
        ObjectNode report = JSON.createObjectNode();
        report.put("benchmark", benchmark);
        report.put("implementation", "peft4j");
        ObjectNode versions = report.putObject("versions");
        versions.put("java", Runtime.version().toString());
        versions.put("djl", Engine.getDjlVersion());
        versions.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
        report.put("threads", threads);
        ObjectNode workload = report.putObject("workload");
        workload.put("layers", geometry.decoderLayers());
        workload.put("hidden", geometry.hiddenSize());
        workload.put("heads", geometry.heads());
        workload.put("vocab", geometry.vocabSize());
        return report;
    }

    /** {@code {"median", "p10", "p90", "min", "max", "count"}} of {@code seconds} (nearest-rank percentiles). */
    static ObjectNode spread(double[] seconds) {
        if (seconds.length == 0) {
            throw new IllegalArgumentException("no timings to summarise");
        }
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        ObjectNode node = JSON.createObjectNode();
        node.put("median", median(sorted));
        node.put("p10", percentile(sorted, 0.10));
        node.put("p90", percentile(sorted, 0.90));
        node.put("min", sorted[0]);
        node.put("max", sorted[sorted.length - 1]);
        node.put("count", sorted.length);
        return node;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static double percentile(double[] sorted, double fraction) {
        int rank = (int) Math.ceil(fraction * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /**
     * GFLOP/s of an fp32 {@code [m, k] x [k, n]} matrix product, median of {@code repeats} after one warm-up: the
     * practical peak this process reaches on this machine right now, the denominator for "fraction of peak".
     */
    static double gemmGflops(NDManager manager, int m, int k, int n, int repeats) {
        try (NDManager scratch = manager.newSubManager()) {
            NDArray left = scratch.randomNormal(new Shape(m, k));
            NDArray right = scratch.randomNormal(new Shape(k, n));
            return 2.0 * m * k * n / medianSeconds(repeats, () -> left.matMul(right)) / 1e9;
        }
    }

    /**
     * The same product as the bf16 path for frozen weights runs it ({@link FusedOps#linearBf16}): the float32 input
     * converted, a bf16 GEMM with the bias, the output widened to float32.
     */
    static double bf16LinearGflops(NDManager manager, int m, int k, int n, int repeats) {
        try (NDManager scratch = manager.newSubManager()) {
            NDArray input = scratch.randomNormal(new Shape(m, k));
            NDArray weight = FusedOps.toBf16(scratch.randomNormal(new Shape(n, k)));
            NDArray bias = FusedOps.toBf16(scratch.zeros(new Shape(n)));
            return 2.0 * m * k * n / medianSeconds(repeats, () -> FusedOps.linearBf16(input, weight, bias)) / 1e9;
        }
    }

    /** The median time of {@code repeats} runs after one untimed run (PyTorch's CPU ops return when done). */
    private static double medianSeconds(int repeats, Supplier<NDArray> product) {
        double[] seconds = new double[repeats];
        for (int i = -1; i < repeats; i++) {
            long began = System.nanoTime();
            try (NDArray result = product.get()) {
                if (i >= 0) {
                    seconds[i] = (System.nanoTime() - began) / 1e9;
                }
            }
        }
        return median(seconds);
    }
}
