package io.github.peft4j.model.bart;

import ai.djl.ndarray.NDManager;
import io.github.peft4j.core.model.RandomModelSizes;
import io.github.peft4j.core.safetensors.SafetensorsCheckpoint;
import io.github.peft4j.core.tokenizer.HfTokenizers;
import io.github.peft4j.spi.BackendProvider;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.RandomModelShape;
import java.nio.file.Path;
import java.util.Set;

/** The {@code bart} backend: Hugging Face BART model directories (post-LayerNorm BART, e.g. bart-base, bart-large(-cnn/-xsum)). */
public final class BartBackendProvider implements BackendProvider {
    public static final String NAME = "bart";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "BART family (bart-base, bart-large, bart-large-cnn/-xsum, distilbart) from Hugging Face safetensors";
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of("bart");
    }

    @Override
    public ModelBackend load(Path modelDirectory, NDManager manager) {
        BartConfig config = BartConfig.read(modelDirectory);
        NDManager weightsManager = manager.newSubManager();
        SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(modelDirectory);
        try {
            BartWeights weights = BartWeights.load(checkpoint, config, weightsManager);
            return new BartBackend(config, weightsManager, weights, checkpoint, HfTokenizers.fromModelDirectory(modelDirectory));
        }
        catch (RuntimeException e) {
            weightsManager.close();
            checkpoint.close();
            throw e;
        }
    }

    /**
     * Presets {@code tiny} (the golden vectors' shape), {@code bart-base} and {@code bart-large}; {@code layers}
     * overrides both stacks, {@code hiddenSize} sets d_model with ffn dims of 4x.
     */
    @Override
    public void writeRandomModel(Path directory, RandomModelShape shape, long seed, NDManager manager) {
        BartConfig preset = BartCheckpoints.preset(shape.preset());
        int hidden = shape.hiddenSize().orElse(preset.hiddenSize());
        int layers = shape.layers().orElse(preset.encoderLayers());
        int ffn = shape.hiddenSize().isPresent() ? RandomModelSizes.feedForwardWidth(NAME, hidden) : preset.encoderFfnSize();
        BartConfig config = new BartConfig(shape.vocabSize().orElse(preset.vocabSize()), shape.positions().orElse(preset.maxPositions()), hidden,
                layers, shape.layers().orElse(preset.decoderLayers()), shape.heads().orElse(preset.heads()), ffn, ffn, preset.activation(),
                preset.scaleEmbedding(), true, preset.padTokenId(), preset.bosTokenId(), preset.eosTokenId(), preset.decoderStartTokenId());
        BartCheckpoints.writeRandom(directory, config, seed, manager);
    }
}
