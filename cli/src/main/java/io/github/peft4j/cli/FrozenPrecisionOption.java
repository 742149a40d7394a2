package io.github.peft4j.cli;

import io.github.peft4j.spi.FrozenWeightPrecision;
import picocli.CommandLine.Option;

/** {@code --frozen-precision}: the number format of the frozen weights' products ({@link FrozenWeightPrecision}). */
public final class FrozenPrecisionOption {
    @Option(names = "--frozen-precision", defaultValue = "fp32", paramLabel = "fp32|bf16",
            description = {"Number format of the frozen weights' matrix products. bf16 runs them 2-3x faster on CPUs with AVX512-BF16",
                    "or AMX, at bfloat16's precision (about 0.4%% relative error per product; docs/performance.md measures the cost);",
                    "prefixes, gradients and the optimizer stay float32. GPT-2 only. Default: ${DEFAULT-VALUE}."})
    private FrozenWeightPrecision precision;

    public FrozenWeightPrecision precision() {
        return precision;
    }
}
