package io.github.peft4j.testing;

import ai.djl.ndarray.NDManager;
import io.github.peft4j.spi.BackendProvider;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ModelGeometry;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A small model loaded once for a test class, before its first test, and closed after its last, in a PyTorch manager
 * of its own: {@code @RegisterExtension static final TinyModel MODEL = new TinyModel(new Gpt2BackendProvider(), 3);}
 * for a seeded random model of the {@code tiny} preset, {@link #golden} for the golden vectors' model.
 */
public final class TinyModel implements BeforeAllCallback, AfterAllCallback {
    private final BackendProvider backend;
    /** The random model's seed; empty for the golden model. */
    private final OptionalLong seed;
    private NDManager manager;
    private Optional<Path> directory = Optional.empty();
    private ModelBackend model;

    /** A random model of {@code backend}'s {@code tiny} preset made from {@code seed}. */
    public TinyModel(BackendProvider backend, long seed) {
        this(backend, OptionalLong.of(seed));
    }

    private TinyModel(BackendProvider backend, OptionalLong seed) {
        this.backend = backend;
        this.seed = seed;
    }

    /** The golden vectors' random model of {@code backend}'s family (see {@link AdapterTesting#goldenModel}). */
    public static TinyModel golden(BackendProvider backend) {
        return new TinyModel(backend, OptionalLong.empty());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        manager = NDManager.newBaseManager("PyTorch");
        if (seed.isPresent()) {
            directory = Optional.of(FixtureFiles.createTemporaryDirectory("peft4j-tiny-" + backend.name() + "-"));
            model = AdapterTesting.tinyModel(backend, directory.get(), seed.getAsLong(), manager);
        }
        else {
            model = AdapterTesting.goldenModel(backend, manager);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        model.close();
        manager.close();
        directory.ifPresent(FixtureFiles::deleteRecursively);
    }

    public ModelBackend model() {
        return model;
    }

    public ModelGeometry geometry() {
        return model.geometry();
    }
}
