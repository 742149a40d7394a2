package io.github.peft4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.github.peft4j.core.training.Trainer;
import io.github.peft4j.core.training.TrainingConfig;
import io.github.peft4j.core.training.TrainingExample;
import io.github.peft4j.core.training.TrainingResult;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.AdapterProvider;
import io.github.peft4j.spi.BackendProvider;
import io.github.peft4j.spi.ErrorCodeSupplier;
import io.github.peft4j.spi.InjectionPoint;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.ParameterEfficientAdapter;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.RandomModelShape;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Models, stubs, assertions and checks that the adapter plugins' tests share. */
public final class AdapterTesting {
    /** Three tiny rows the training checks fit. */
    private static final List<TrainingExample> DATA = List.of(
            new TrainingExample(new long[] {1, 2, 3}, new long[] {4, 5, 6}),
            new TrainingExample(new long[] {7, 8}, new long[] {9, 10, 11, 12}),
            new TrainingExample(new long[] {13}, new long[] {14, 15}));

    private AdapterTesting() {}

    /**
     * The golden vectors' random model of {@code backend}'s family (for {@code gpt2}: 2 layers, hidden 64, 4 heads,
     * vocabulary 1000).
     */
    public static ModelBackend goldenModel(BackendProvider backend, NDManager manager) {
        return backend.load(Golden.resolve(backend.name()), manager);
    }

    /** A seeded random model of {@code backend}'s {@code tiny} preset, written to {@code directory} and loaded. */
    public static ModelBackend tinyModel(BackendProvider backend, Path directory, long seed, NDManager manager) {
        backend.writeRandomModel(directory, RandomModelShape.preset("tiny"), seed, manager);
        return backend.load(directory, manager);
    }

    /** The adapter settings {@code key1, value1, key2, value2, ...}, in their order. */
    public static Map<String, String> settings(String... keysAndValues) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            settings.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return settings;
    }

    /** A backend of {@code geometry} that offers only {@code points}; it cannot run. */
    public static ModelBackend stubBackend(ModelGeometry geometry, Set<InjectionPoint> points) {
        return (ModelBackend) Proxy.newProxyInstance(AdapterTesting.class.getClassLoader(), new Class<?>[] {ModelBackend.class},
                (proxy, method, arguments) -> switch (method.getName()) {
                    case "family" -> "stub";
                    case "geometry" -> geometry;
                    case "injectionPoints" -> points;
                    case "close" -> null;
                    default -> throw new UnsupportedOperationException("the stub backend cannot " + method.getName());
                });
    }

    /** Asserts that {@code call} throws a {@link PeftException} of {@code code} whose message contains {@code message}. */
    public static void assertError(ThrowingCallable call, ErrorCodeSupplier code, String message) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode()).isEqualTo(code.toErrorCode()))
                .hasMessageContaining(message);
    }

    /**
     * Trains an adapter of {@code provider} ({@code length=4}, {@code mlp-width=32}) on {@code model} for 60 steps
     * and asserts that the loss at least halves and that the best adapter, saved under {@code directory/run/best},
     * loads back with the best dev loss.
     */
    public static void assertTrainingReducesTheLossAndTheBestAdapterLoadsBack(AdapterProvider<?> provider, ModelBackend model, NDManager manager,
            Path directory) {
        ParameterEfficientAdapter adapter = provider.create(Map.of("length", "4", "mlp-width", "32"), new AdapterContext(model, manager, 1));
        TrainingConfig config = new TrainingConfig(1e-2, TrainingConfig.Schedule.CONSTANT, 0, 1, OptionalLong.of(60), 3, 1, 1.0, 0, false, 1, 20, 0);
        Trainer trainer = new Trainer(model, Trainer.Trainable.of(adapter), config, model.eosTokenIds().iterator().next(), List.of());
        double before = trainer.evaluate(DATA, manager);

        TrainingResult result = trainer.train(DATA, DATA, Optional.of(directory.resolve("run")), 0, adapter::export);

        double after = trainer.evaluate(DATA, manager);
        assertThat(result.steps()).isEqualTo(60);
        assertThat(after).as("loss after 60 steps (%s before)", before).isLessThan(before / 2);
        ParameterEfficientAdapter best = provider.load(directory.resolve("run/best"), new AdapterContext(model, manager, 0));
        double bestLoss = new Trainer(model, Trainer.Trainable.of(best), config, 0, List.of()).evaluate(DATA, manager);
        assertThat(bestLoss).isCloseTo(result.bestDevLoss().orElseThrow(), within(1e-4));
        best.close();
        adapter.close();
    }
}
