package io.github.peft4j.core.inject;

import static java.util.Objects.requireNonNull;

import com.google.inject.Inject;
import com.google.inject.Singleton;
import io.github.peft4j.spi.AdapterProvider;
import io.github.peft4j.spi.BackendProvider;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The injected plugins, looked up by name with errors that list what is available. */
@Singleton
public final class PluginRegistry {
    private final Map<String, BackendProvider> backends;
    private final Map<String, AdapterProvider<?>> adapters;

    @Inject
    public PluginRegistry(Map<String, BackendProvider> backends, Map<String, AdapterProvider<?>> adapters) {
        this.backends = new TreeMap<>(requireNonNull(backends, "backends"));
        this.adapters = new TreeMap<>(requireNonNull(adapters, "adapters"));
    }

    public BackendProvider backend(String name) {
        return lookup(backends, name, PluginKind.BACKEND);
    }

    public AdapterProvider<?> adapter(String name) {
        return lookup(adapters, name, PluginKind.ADAPTER);
    }

    /** The backend whose {@link BackendProvider#modelTypes()} include a {@code config.json}'s {@code model_type}. */
    public BackendProvider backendForModelType(String modelType) {
        return backends.values().stream()
                .filter(provider -> provider.modelTypes().contains(modelType))
                .findFirst()
                .orElseThrow(() -> new PeftException(StandardErrorCode.UNKNOWN_PLUGIN,
                        "No backend on the class path loads model_type '" + modelType + "'. Backends: "
                                + describe(backends) + ". Add the module that supports it, or pass the backend name."));
    }

    /** Every plugin, backends first, each kind sorted by name. */
    public List<PluginInfo> describeAll() {
        List<PluginInfo> result = new ArrayList<>();
        backends.forEach((name, provider) -> result.add(PluginInfo.of(PluginKind.BACKEND, name, provider.description(), provider.getClass())));
        adapters.forEach((name, provider) -> result.add(PluginInfo.of(PluginKind.ADAPTER, name, provider.description(), provider.getClass())));
        return result;
    }

    private static <T> T lookup(Map<String, T> providers, String name, PluginKind kind) {
        T provider = providers.get(name);
        if (provider == null) {
            throw new PeftException(StandardErrorCode.UNKNOWN_PLUGIN,
                    "No " + kind.label() + " named '" + name + "'. Available: " + describe(providers)
                            + ". Run 'peft4j plugins' to see what is on the class path.");
        }
        return provider;
    }

    private static String describe(Map<String, ?> providers) {
        return providers.isEmpty() ? "(none)" : String.join(", ", providers.keySet());
    }
}
