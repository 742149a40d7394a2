package io.github.peft4j.model.gpt2;

import ai.djl.ndarray.NDManager;
import io.github.peft4j.core.model.ConfigJson;
import io.github.peft4j.core.model.RandomModelSizes;
import io.github.peft4j.core.safetensors.SafetensorsCheckpoint;
import io.github.peft4j.core.tokenizer.HfTokenizers;
import io.github.peft4j.spi.BackendProvider;
import io.github.peft4j.spi.FrozenWeightPrecision;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.RandomModelShape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/** The {@code gpt2} backend: Hugging Face GPT-2 model directories. */
public final class Gpt2BackendProvider implements BackendProvider {
    public static final String NAME = "gpt2";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "GPT-2 family (gpt2, gpt2-medium/large/xl, distilgpt2, DialoGPT) from Hugging Face safetensors";
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of("gpt2");
    }

    @Override
    public ModelBackend load(Path modelDirectory, NDManager manager) {
        return load(modelDirectory, manager, FrozenWeightPrecision.FP32);
    }

    @Override
    public ModelBackend load(Path modelDirectory, NDManager manager, FrozenWeightPrecision precision) {
        Gpt2Config config = Gpt2Config.read(modelDirectory);
        // peft4j takes no GPT-2 generation default from it, but a broken file is refused as BART refuses it, not ignored.
        Path generationConfig = modelDirectory.resolve(Gpt2Config.GENERATION_FILE_NAME);
        if (Files.isRegularFile(generationConfig)) {
            ConfigJson.readObject(generationConfig);
        }
        NDManager weightsManager = manager.newSubManager();
        SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(modelDirectory);
        try {
            Gpt2Weights weights = Gpt2Weights.load(checkpoint, config, weightsManager, precision);
            return new Gpt2Backend(config, weightsManager, weights, checkpoint, HfTokenizers.fromModelDirectory(modelDirectory));
        }
        catch (RuntimeException e) {
            weightsManager.close();
            checkpoint.close();
            throw e;
        }
    }

    @Override
    public void writeRandomModel(Path directory, RandomModelShape shape, long seed, NDManager manager) {
        Gpt2Config preset = Gpt2Checkpoints.preset(shape.preset());
        int vocab = shape.vocabSize().orElse(preset.vocabSize());
        int hidden = shape.hiddenSize().orElse(preset.hiddenSize());
        Gpt2Config config = new Gpt2Config(vocab, shape.positions().orElse(preset.positions()), hidden,
                shape.layers().orElse(preset.layers()), shape.heads().orElse(preset.heads()), RandomModelSizes.feedForwardWidth(NAME, hidden), preset.activation(),
                preset.layerNormEpsilon(), preset.scaleAttentionWeights(), preset.scaleByInverseLayerIndex(), vocab - 1, vocab - 1);
        Gpt2Checkpoints.writeRandom(directory, config, seed, manager);
    }
}
