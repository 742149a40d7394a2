package io.github.peft4j.spi;

import java.util.Locale;

/**
 * The number format a backend multiplies by its frozen weights in ({@link BackendProvider#load(java.nio.file.Path,
 * ai.djl.ndarray.NDManager, FrozenWeightPrecision)}). Trainable parameters (prefixes, embeddings, weights a
 * fine-tuning baseline trains), their gradients and the optimizer's state are float32 whatever is chosen.
 */
public enum FrozenWeightPrecision {
    /** float32 throughout, the default: results match Hugging Face's in float32. */
    FP32,
    /**
     * bfloat16 copies of the frozen projection matrices for the large products, forward and backward: on CPUs with
     * AVX512-BF16 or AMX those run 2 to 3 times faster. Their outputs carry bfloat16's 8-bit mantissa (about 0.4%
     * relative error); everything else (attention scores, normalisation, residual stream, LM head, loss) stays
     * float32, as in torch's CPU autocast.
     */
    BF16;

    /** The option value users type ({@code fp32}, {@code bf16}). */
    public String optionValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
