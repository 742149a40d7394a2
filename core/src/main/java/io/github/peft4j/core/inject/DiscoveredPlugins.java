package io.github.peft4j.core.inject;

import io.github.peft4j.spi.AdapterProvider;
import io.github.peft4j.spi.BackendProvider;
import java.util.Map;

/** Every provider found on a class path, keyed by name (sorted), with names guaranteed unique per kind. */
public record DiscoveredPlugins(Map<String, BackendProvider> backends, Map<String, AdapterProvider<?>> adapters) {
    public DiscoveredPlugins {
        backends = Map.copyOf(backends);
        adapters = Map.copyOf(adapters);
    }
}
