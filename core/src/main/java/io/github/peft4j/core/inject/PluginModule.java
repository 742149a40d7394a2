package io.github.peft4j.core.inject;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.MapBinder;
import io.github.peft4j.spi.AdapterProvider;
import io.github.peft4j.spi.BackendProvider;

/** Binds discovered providers by name, and the {@link PluginRegistry} that serves them. */
public final class PluginModule extends AbstractModule {
    private final DiscoveredPlugins plugins;

    public PluginModule(DiscoveredPlugins plugins) {
        this.plugins = requireNonNull(plugins, "plugins");
    }

    @Override
    protected void configure() {
        MapBinder<String, BackendProvider> backends = MapBinder.newMapBinder(binder(), String.class, BackendProvider.class);
        plugins.backends().forEach((name, provider) -> backends.addBinding(name).toInstance(provider));

        MapBinder<String, AdapterProvider<?>> adapters =
                MapBinder.newMapBinder(binder(), new TypeLiteral<String>() {}, new TypeLiteral<AdapterProvider<?>>() {});
        plugins.adapters().forEach((name, provider) -> adapters.addBinding(name).toInstance(provider));

        bind(PluginRegistry.class);
    }
}
