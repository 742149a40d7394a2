package io.github.peft4j.model.gpt2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.FrozenWeightPrecision;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bf16 path for frozen weights: float32's results to bf16 precision, gradients that still train a prefix. */
final class TestGpt2Bf16 {
    @TempDir
    static Path directory;

    private static NDManager manager;
    private static ModelBackend fp32;
    private static ModelBackend bf16;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager("PyTorch");
        Gpt2Config config = new Gpt2Config(97, 64, 64, 3, 4, 256, "gelu_new", 1e-5, true, false, 96, 96);
        Gpt2Checkpoints.writeRandom(directory, config, 11, manager);
        fp32 = new Gpt2BackendProvider().load(directory, manager, FrozenWeightPrecision.FP32);
        bf16 = new Gpt2BackendProvider().load(directory, manager, FrozenWeightPrecision.BF16);
    }

    @AfterAll
    static void close() {
        fp32.close();
        bf16.close();
        manager.close();
    }

    @Test
    void logitsAndPrefixGradientsAreFloat32sToBf16Precision() {
        try (NDManager test = manager.newSubManager()) {
            test.getEngine().setRandomSeed(3);
            KeyValuePrefix[] prefix = prefix(test, 4);
            NDArray tokens = test.create(new long[][] {{5, 17, 3, 88, 42, 7}, {60, 1, 2, 9, 31, 30}});
            Pass exact = pass(fp32, tokens, prefix);
            Pass approximate = pass(bf16, tokens, prefix);
            float range = exact.logits.abs().max().getFloat();
            float logitError = approximate.logits.sub(exact.logits).abs().max().getFloat();
            assertThat(logitError).as("bf16 is used").isGreaterThan(1e-4f * range).as("and close").isLessThan(0.03f * range);
            for (int layer = 0; layer < prefix.length; layer++) {
                assertThat(cosine(approximate.keyGradients[layer], exact.keyGradients[layer])).as("layer %d", layer).isGreaterThan(0.999);
            }
        }
    }

    @Test
    void weightsOnceTrainedComputeInFloat32() throws Exception {
        Path copy = Files.createDirectories(directory.resolve("trained"));
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, copy.resolve(file.getFileName()));
            }
        }
        try (NDManager test = manager.newSubManager(); ModelBackend trained = new Gpt2BackendProvider().load(copy, test, FrozenWeightPrecision.BF16)) {
            NDArray tokens = test.create(new long[][] {{5, 17, 3, 88}});
            NDArray exact = fp32.forward(ForwardInput.of(tokens), AdapterHooks.NONE);
            trained.baseParameters().values().forEach(weight -> weight.setRequiresGradient(true));
            assertThat(trained.forward(ForwardInput.of(tokens), AdapterHooks.NONE).sub(exact).abs().max().getFloat())
                    .as("while trained").isLessThan(1e-5f);
            // As the Trainer leaves them: updated in place, no longer requiring gradients. The copies must not come back.
            trained.baseParameters().values().forEach(weight -> weight.setRequiresGradient(false));
            NDArray updated = trained.forward(ForwardInput.of(tokens), AdapterHooks.NONE);
            assertThat(updated.sub(exact).abs().max().getFloat()).as("after training").isLessThan(1e-5f);
        }
    }

    private record Pass(NDArray logits, NDArray[] keyGradients) {}

    private static Pass pass(ModelBackend backend, NDArray tokens, KeyValuePrefix[] prefix) {
        NDArray[] gradients = new NDArray[prefix.length];
        NDArray logits;
        for (KeyValuePrefix layer : prefix) {
            layer.keys().setRequiresGradient(true);
        }
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            logits = backend.forward(ForwardInput.of(tokens), hooks(prefix));
            collector.backward(logits.logSoftmax(2).get(":, :, 3").mean().neg());
        }
        for (int layer = 0; layer < prefix.length; layer++) {
            gradients[layer] = prefix[layer].keys().getGradient().duplicate();
            prefix[layer].keys().setRequiresGradient(false);
        }
        return new Pass(logits.stopGradient(), gradients);
    }

    private static KeyValuePrefix[] prefix(NDManager test, int length) {
        KeyValuePrefix[] layers = new KeyValuePrefix[fp32.geometry().decoderLayers()];
        Shape shape = new Shape(1, fp32.geometry().heads(), length, fp32.geometry().headDim());
        for (int layer = 0; layer < layers.length; layer++) {
            layers[layer] = new KeyValuePrefix(test.randomNormal(shape), test.randomNormal(shape));
        }
        return layers;
    }

    private static AdapterHooks hooks(KeyValuePrefix[] prefix) {
        return new AdapterHooks() {
            @Override
            public Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
                return Optional.of(prefix[layer]);
            }
        };
    }

    private static double cosine(NDArray a, NDArray b) {
        return a.mul(b).sum().getFloat() / Math.sqrt(a.mul(a).sum().getFloat() * b.mul(b).sum().getFloat());
    }
}
