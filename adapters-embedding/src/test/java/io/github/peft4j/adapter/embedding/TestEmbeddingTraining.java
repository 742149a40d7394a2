package io.github.peft4j.adapter.embedding;

import ai.djl.ndarray.NDManager;
import io.github.peft4j.model.gpt2.Gpt2BackendProvider;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.testing.AdapterTesting;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training engine drives embedding-only tuning like any adapter (on the golden GPT-2, whose weights are large enough to steer). */
final class TestEmbeddingTraining {
    @TempDir
    Path directory;

    @Test
    void trainingReducesTheLossAndTheBestAdapterLoadsBack() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch"); ModelBackend model = AdapterTesting.goldenModel(new Gpt2BackendProvider(), manager)) {
            AdapterTesting.assertTrainingReducesTheLossAndTheBestAdapterLoadsBack(new EmbeddingAdapterProvider(), model, manager, directory);
        }
    }
}
