package io.github.peft4j.adapter.prefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.model.gpt2.Gpt2BackendProvider;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.InjectionPoint;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.ParameterEfficientAdapter;
import io.github.peft4j.spi.RandomModelShape;
import io.github.peft4j.testing.Golden;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Models and helpers the prefix tests share. */
final class PrefixTesting {
    private PrefixTesting() {}

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

    /** Every tensor of a safetensors file, by name, in file order. */
    static Map<String, NDArray> tensors(Path file, NDManager manager) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (SafetensorsFile opened = SafetensorsFile.open(file)) {
            opened.names().forEach(name -> tensors.put(name, opened.load(name, manager)));
        }
        return tensors;
    }

    /** The decoder self-attention prefix of layer {@code layer} for one evaluation pass in {@code pass}. */
    static KeyValuePrefix prefix(ParameterEfficientAdapter adapter, NDManager pass, int layer) {
        return adapter.hooks(new ForwardContext(pass, 1, false)).attentionPrefix(AttentionSite.DECODER_SELF, layer).orElseThrow();
    }

    /** A backend of {@code geometry} that offers only {@code points}; it cannot run. */
    static ModelBackend stubBackend(ModelGeometry geometry, Set<InjectionPoint> points) {
        return (ModelBackend) Proxy.newProxyInstance(PrefixTesting.class.getClassLoader(), new Class<?>[] {ModelBackend.class},
                (proxy, method, arguments) -> switch (method.getName()) {
                    case "family" -> "stub";
                    case "geometry" -> geometry;
                    case "injectionPoints" -> points;
                    case "close" -> null;
                    default -> throw new UnsupportedOperationException("the stub backend cannot " + method.getName());
                });
    }
}
