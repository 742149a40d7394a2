package io.github.peft4j.core.inject;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.Stage;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the strict injector every peft4j entry point uses: production stage (singletons built eagerly, so a
 * broken plugin fails at start), explicit bindings only, no circular proxies.
 */
public final class PeftInjector {
    private PeftInjector() {}

    /** An injector over the plugins on peft4j's class path plus the caller's modules. */
    public static Injector create(Module... modules) {
        return create(PluginDiscovery.discover(), modules);
    }

    public static Injector create(DiscoveredPlugins plugins, Module... modules) {
        List<Module> all = new ArrayList<>();
        all.add(new StrictnessModule());
        all.add(new PluginModule(plugins));
        all.addAll(List.of(modules));
        return Guice.createInjector(Stage.PRODUCTION, all);
    }

    private static final class StrictnessModule extends AbstractModule {
        @Override
        protected void configure() {
            binder().requireExplicitBindings();
            binder().requireAtInjectOnConstructors();
            binder().disableCircularProxies();
        }
    }
}
