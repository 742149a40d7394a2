package io.github.peft4j.adapter.embedding;

import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.AdapterProvider;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The {@code embedding} method: embedding-only tuning (the input-layer ablation of Li &amp; Liang 2021; Hugging Face
 * PEFT's prompt tuning), settings as {@link EmbeddingConfig} describes.
 */
public final class EmbeddingAdapterProvider implements AdapterProvider<EmbeddingConfig> {
    public static final String NAME = "embedding";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Embedding-only tuning (Li & Liang's ablation; PEFT prompt tuning): trainable virtual input embeddings, optionally MLP-reparameterised;"
                + " exports Hugging Face PEFT";
    }

    @Override
    public EmbeddingConfig parseConfig(Map<String, String> settings) {
        return EmbeddingConfig.fromSettings(settings);
    }

    @Override
    public EmbeddingAdapter create(EmbeddingConfig config, AdapterContext context) {
        return EmbeddingAdapter.create(config, context);
    }

    /**
     * Opens a Hugging Face PEFT prompt-tuning directory (what {@link EmbeddingAdapter#export} writes) as an adapter
     * whose one trainable parameter is the flat {@code prompt_module.embedding.weight [P, d]}. Its
     * {@link EmbeddingAdapter#config()} is {@code init-file=<directory>, mlp-width=0}, which recreates it.
     */
    @Override
    public EmbeddingAdapter load(Path directory, AdapterContext context) {
        if (!Files.isDirectory(directory)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "An embedding adapter is a Hugging Face PEFT prompt-tuning directory; "
                    + directory + " is not a directory");
        }
        EmbeddingConfig config = new EmbeddingConfig(OptionalInt.empty(), OptionalInt.of(0), EmbeddingConfig.Init.FILE, List.of(), Optional.empty(),
                Optional.of(directory));
        return EmbeddingAdapter.create(config, context);
    }
}
