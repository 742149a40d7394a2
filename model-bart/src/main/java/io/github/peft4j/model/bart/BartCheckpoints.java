package io.github.peft4j.model.bart;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.model.RandomModelSizes;
import io.github.peft4j.core.safetensors.SafetensorsCheckpoint;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Writes randomly initialised BART checkpoints in exact Hugging Face layout, as
 * {@code BartForConditionalGeneration.save_pretrained} writes them: {@code config.json},
 * {@code generation_config.json} and {@code model.safetensors} with {@code final_logits_bias}, the
 * {@code model.}-prefixed weights and none of the tied copies ({@code lm_head.weight} only when untied). What tests and benchmarks run on, since pretrained
 * weights are not downloaded.
 *
 * <p>Initialisation follows Hugging Face's {@code BartPreTrainedModel}: normal(0, {@code init_std} 0.02) for
 * linear and embedding weights, the padding row of {@code shared} zero, LayerNorms at 1 and 0; biases and
 * {@code final_logits_bias} get small random values instead of zeros, so that tests notice a bias that is not
 * applied.
 */
public final class BartCheckpoints {
    private static final double INIT_STD = 0.02;

    private BartCheckpoints() {}

    /** Named shapes users can ask for with {@code --preset}. */
    public static BartConfig preset(String name) {
        return switch (name) {
            // The golden vectors' model: d_model 64, 2+2 layers, 4 heads, ffn 256, vocab 1000.
            case "tiny" -> BartConfig.of(1000, 128, 64, 2, 4);
            case "bart-base" -> BartConfig.of(50265, 1024, 768, 6, 12);
            case "bart-large" -> BartConfig.of(50265, 1024, 1024, 12, 16);
            default -> throw new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                    "Unknown preset '" + name + "'; use tiny, bart-base or bart-large");
        };
    }

    /** Writes a seeded random checkpoint of {@code config} into {@code directory}; equal seeds give equal files. */
    public static void writeRandom(Path directory, BartConfig config, long seed, NDManager manager) {
        RandomModelSizes.requireBuildable(BartBackendProvider.NAME, new int[] {config.encoderLayers(), config.decoderLayers()},
                layers -> BartWeights.expectedShapes(withLayers(config, layers[0], layers[1])));
        Random random = new Random(seed);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (NDManager scratch = manager.newSubManager()) {
            tensors.put(BartWeights.FINAL_LOGITS_BIAS, scratch.create(gaussian(random, config.vocabSize(), INIT_STD / 10),
                    new Shape(1, config.vocabSize())));
            BartWeights.expectedShapes(config).forEach((name, shape) -> {
                float[] values;
                boolean layerNorm = name.contains("layer_norm.") || name.contains("layernorm_embedding.");
                if (layerNorm) {
                    values = new float[Math.toIntExact(shape.size())];
                    Arrays.fill(values, name.endsWith(".weight") ? 1f : 0f);
                }
                else {
                    values = gaussian(random, Math.toIntExact(shape.size()), name.endsWith(".bias") ? INIT_STD / 10 : INIT_STD);
                }
                if (name.equals(BartWeights.SHARED)) {
                    int d = config.hiddenSize();
                    Arrays.fill(values, (int) config.padTokenId() * d, ((int) config.padTokenId() + 1) * d, 0f);
                }
                tensors.put(BartWeights.MODEL_PREFIX + name, scratch.create(values, shape));
            });
            if (!config.tieWordEmbeddings()) {
                Shape head = new Shape(config.vocabSize(), config.hiddenSize());
                tensors.put(BartWeights.LM_HEAD, scratch.create(gaussian(random, Math.toIntExact(head.size()), INIT_STD), head));
            }
            writeDirectory(directory, config, tensors);
        }
    }

    private static BartConfig withLayers(BartConfig config, int encoderLayers, int decoderLayers) {
        return new BartConfig(config.vocabSize(), config.maxPositions(), config.hiddenSize(), encoderLayers, decoderLayers, config.heads(),
                config.encoderFfnSize(), config.decoderFfnSize(), config.activation(), config.scaleEmbedding(), config.tieWordEmbeddings(),
                config.padTokenId(), config.bosTokenId(), config.eosTokenId(), config.decoderStartTokenId());
    }

    private static float[] gaussian(Random random, int size, double std) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return values;
    }

    /** Writes {@code tensors} (stored names) with the config files. */
    static void writeDirectory(Path directory, BartConfig config, Map<String, NDArray> tensors) {
        AtomicFiles.writeString(directory.resolve(BartConfig.FILE_NAME), config.toJson());
        AtomicFiles.writeString(directory.resolve(BartGenerationDefaults.FILE_NAME), BartGenerationDefaults.of(config).toJson());
        SafetensorsWriter.write(directory.resolve(SafetensorsCheckpoint.SINGLE_FILE), tensors, Map.of("format", "pt"));
    }
}
