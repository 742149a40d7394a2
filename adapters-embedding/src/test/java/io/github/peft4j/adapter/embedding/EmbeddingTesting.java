package io.github.peft4j.adapter.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.github.peft4j.model.gpt2.Gpt2BackendProvider;
import io.github.peft4j.spi.ErrorCodeSupplier;
import io.github.peft4j.spi.InjectionPoint;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.RandomModelShape;
import io.github.peft4j.testing.Golden;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Models and helpers the embedding tests share. */
final class EmbeddingTesting {
    private EmbeddingTesting() {}

    /** The golden vectors' random 2-layer GPT-2 (hidden 64, 4 heads, vocabulary 1000). */
    static ModelBackend goldenModel(NDManager manager) {
        return new Gpt2BackendProvider().load(Golden.resolve("gpt2"), manager);
    }

    /** A seeded random GPT-2 of the backend's {@code tiny} preset, written to {@code directory} and loaded. */
    static ModelBackend tinyModel(Path directory, long seed, NDManager manager) {
        Gpt2BackendProvider provider = new Gpt2BackendProvider();
        provider.writeRandomModel(directory, RandomModelShape.preset("tiny"), seed, manager);
        return provider.load(directory, manager);
    }

    /** A backend of {@code geometry} that offers only {@code points}; it cannot run. */
    static ModelBackend stubBackend(ModelGeometry geometry, Set<InjectionPoint> points) {
        return (ModelBackend) Proxy.newProxyInstance(EmbeddingTesting.class.getClassLoader(), new Class<?>[] {ModelBackend.class},
                (proxy, method, arguments) -> switch (method.getName()) {
                    case "family" -> "stub";
                    case "geometry" -> geometry;
                    case "injectionPoints" -> points;
                    case "close" -> null;
                    default -> throw new UnsupportedOperationException("the stub backend cannot " + method.getName());
                });
    }

    static void assertError(ThrowingCallable call, ErrorCodeSupplier code, String message) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(code.toErrorCode()))
                .hasMessageContaining(message);
    }
}
