package io.github.peft4j.core.inject;

import io.github.peft4j.spi.AdapterProvider;
import io.github.peft4j.spi.BackendProvider;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/** Runs {@link ServiceLoader} for both provider kinds and checks their names. */
public final class PluginDiscovery {
    private static final Pattern VALID_NAME = Pattern.compile("[a-z][a-z0-9-]*");

    private PluginDiscovery() {}

    /** Discovers with the class loader that loaded peft4j (what an application normally wants). */
    public static DiscoveredPlugins discover() {
        return discover(PluginDiscovery.class.getClassLoader());
    }

    /**
     * Discovers every provider visible to {@code classLoader}.
     *
     * @throws PeftException {@link StandardErrorCode#DUPLICATE_PLUGIN} naming both classes when two providers of
     *     one kind share a name; {@link StandardErrorCode#INVALID_ARGUMENT} for a provider that cannot be loaded
     *     or has an unusable name
     */
    public static DiscoveredPlugins discover(ClassLoader classLoader) {
        @SuppressWarnings({"unchecked", "rawtypes"})
        Class<AdapterProvider<?>> adapterType = (Class) AdapterProvider.class;
        return new DiscoveredPlugins(
                load(BackendProvider.class, classLoader, PluginKind.BACKEND, BackendProvider::name),
                load(adapterType, classLoader, PluginKind.ADAPTER, AdapterProvider::name));
    }

    private static <T> Map<String, T> load(Class<T> type, ClassLoader classLoader, PluginKind kind, Function<T, String> nameOf) {
        Map<String, T> byName = new TreeMap<>();
        try {
            for (T provider : ServiceLoader.load(type, classLoader)) {
                String name = nameOf.apply(provider);
                if (name == null || !VALID_NAME.matcher(name).matches()) {
                    throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, String.format(Locale.ROOT,
                            "The %s plugin %s has the name '%s'; a plugin name must match %s. Fix or remove that plugin.",
                            kind.label(), provider.getClass().getName(), name, VALID_NAME.pattern()));
                }
                T previous = byName.putIfAbsent(name, provider);
                if (previous != null) {
                    throw new PeftException(StandardErrorCode.DUPLICATE_PLUGIN, String.format(Locale.ROOT,
                            "Two %s plugins are named '%s': %s (%s) and %s (%s). Remove one of them from the class path.",
                            kind.label(), name,
                            previous.getClass().getName(), PluginInfo.of(kind, name, "", previous.getClass()).location(),
                            provider.getClass().getName(), PluginInfo.of(kind, name, "", provider.getClass()).location()));
                }
            }
        }
        catch (ServiceConfigurationError e) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                    "A " + kind.label() + " plugin on the class path cannot be loaded: " + e.getMessage()
                            + ". Check its META-INF/services entry and that it has a public no-argument constructor.", e);
        }
        return byName;
    }
}
