package io.github.peft4j.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
 * Writes randomly initialised GPT-2 checkpoints in exact Hugging Face layout ({@code config.json},
 * {@code generation_config.json}, {@code model.safetensors}): what tests and benchmarks run on, since
 * pretrained weights are not downloaded. Initialisation follows Hugging Face's {@code GPT2PreTrainedModel}:
 * normal(0, 0.02), output projections scaled by {@code 1/sqrt(2 * layers)}, LayerNorms at 1 and 0; biases get
 * small random values too, so that tests notice a bias that is not applied.
 */
public final class Gpt2Checkpoints {
    private static final double INITIALIZER_RANGE = 0.02;

    private Gpt2Checkpoints() {}

    /** Named shapes users can ask for with {@code --preset}. */
    public static Gpt2Config preset(String name) {
        return switch (name) {
            case "tiny" -> Gpt2Config.of(1000, 128, 64, 2, 4);
            case "gpt2" -> Gpt2Config.of(50257, 1024, 768, 12, 12);
            case "gpt2-medium" -> Gpt2Config.of(50257, 1024, 1024, 24, 16);
            default -> throw new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                    "Unknown preset '" + name + "'; use tiny, gpt2 or gpt2-medium");
        };
    }

    /** Writes a seeded random checkpoint of {@code config} into {@code directory}; equal seeds give equal files. */
    public static void writeRandom(Path directory, Gpt2Config config, long seed, NDManager manager) {
        RandomModelSizes.requireBuildable(Gpt2BackendProvider.NAME, new int[] {config.layers()},
                layers -> Gpt2Weights.expectedShapes(withLayers(config, layers[0])));
        Random random = new Random(seed);
        double projectionStd = INITIALIZER_RANGE / Math.sqrt(2.0 * config.layers());
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (NDManager scratch = manager.newSubManager()) {
            Gpt2Weights.expectedShapes(config).forEach((name, shape) -> {
                float[] values = new float[Math.toIntExact(shape.size())];
                boolean layerNorm = name.startsWith("ln_f.") || name.contains(".ln_");
                if (layerNorm && name.endsWith(".weight")) {
                    Arrays.fill(values, 1f);
                }
                else if (!layerNorm) {
                    double std = name.endsWith("c_proj.weight") ? projectionStd : name.endsWith(".bias") ? INITIALIZER_RANGE / 10 : INITIALIZER_RANGE;
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) (random.nextGaussian() * std);
                    }
                }
                tensors.put(name, scratch.create(values, shape));
            });
            writeDirectory(directory, config, tensors);
        }
    }

    private static Gpt2Config withLayers(Gpt2Config config, int layers) {
        return new Gpt2Config(config.vocabSize(), config.positions(), config.hiddenSize(), layers, config.heads(), config.innerSize(),
                config.activation(), config.layerNormEpsilon(), config.scaleAttentionWeights(), config.scaleByInverseLayerIndex(),
                config.bosTokenId(), config.eosTokenId());
    }

    /** Writes {@code weights} (Hugging Face names, no {@code transformer.} prefix) with the config files. */
    static void writeDirectory(Path directory, Gpt2Config config, Map<String, NDArray> weights) {
        AtomicFiles.writeString(directory.resolve(Gpt2Config.FILE_NAME), config.toJson());
        AtomicFiles.writeString(directory.resolve(Gpt2Config.GENERATION_FILE_NAME),
                "{\n  \"bos_token_id\": " + config.bosTokenId() + ",\n  \"eos_token_id\": " + config.eosTokenId() + "\n}\n");
        SafetensorsWriter.write(directory.resolve(SafetensorsCheckpoint.SINGLE_FILE), weights, Map.of("format", "pt"));
    }
}
