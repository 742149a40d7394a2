package io.github.peft4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.spi.BackendProvider;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.RandomModelShape;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A seeded random model of one family's {@code tiny} preset, written afresh into its own directory before each test
 * (with a PyTorch {@link NDManager} for the test), for the test to break one thing of and load:
 * {@code @RegisterExtension final BadModelFiles model = new BadModelFiles(new Gpt2BackendProvider());}.
 */
public final class BadModelFiles implements BeforeEachCallback, AfterEachCallback {
    private static final long SEED = 5;

    private final BackendProvider provider;
    private NDManager manager;
    private Path directory;

    public BadModelFiles(BackendProvider provider) {
        this.provider = provider;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        manager = NDManager.newBaseManager("PyTorch");
        directory = FixtureFiles.createTemporaryDirectory("peft4j-" + provider.name() + "-");
        writeAgain();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        manager.close();
        FixtureFiles.deleteRecursively(directory);
    }

    /** Writes the good model over the directory's files again, as before the test. */
    public void writeAgain() {
        provider.writeRandomModel(directory, RandomModelShape.preset("tiny"), SEED, manager);
    }

    public NDManager manager() {
        return manager;
    }

    /** The model directory. */
    public Path directory() {
        return directory;
    }

    public Path config() {
        return directory.resolve("config.json");
    }

    public Path weights() {
        return directory.resolve("model.safetensors");
    }

    /** Loads the model directory as it now is. */
    public ModelBackend load() {
        return provider.load(directory, manager);
    }

    /** Edits the JSON object of the model's config.json. */
    public void editConfig(Consumer<ObjectNode> edit) {
        editConfig(directory, edit);
    }

    /** Edits the JSON object of the config.json in {@code modelDirectory}. */
    public static void editConfig(Path modelDirectory, Consumer<ObjectNode> edit) {
        BadAdapterFiles.editConfig(modelDirectory.resolve("config.json"), edit);
    }

    /** Asserts that loading the model directory fails with {@code code} and a message that contains every fragment. */
    public void assertLoadFails(StandardErrorCode code, String... fragments) {
        assertFails(() -> load().close(), code, fragments);
    }

    /** Asserts that {@code call}, a use of the loaded model, finds its weights' file changed on disk. */
    public void assertChangedOnDisk(ThrowingCallable call) {
        assertFails(call, StandardErrorCode.MALFORMED_CHECKPOINT, weights().toString(), "changed on disk while in use", "size went from");
    }

    /** Asserts that a random model of {@code shape} is refused as OUT_OF_MEMORY with every fragment, and nothing is written. */
    public void assertTooBigToBuild(RandomModelShape shape, String... fragments) {
        Path out = directory.resolve("random");
        assertFails(() -> provider.writeRandomModel(out, shape, 1, manager), StandardErrorCode.OUT_OF_MEMORY, fragments);
        assertThat(out).doesNotExist();
    }

    /** Asserts that {@code call} throws a {@link PeftException} of {@code code} whose message contains every fragment. */
    public static void assertFails(ThrowingCallable call, StandardErrorCode code, String... fragments) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(code.toErrorCode()))
                .hasMessageContainingAll(fragments);
    }
}
