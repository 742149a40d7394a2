package io.github.peft4j.core.inject;

import static java.util.Objects.requireNonNull;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;

/**
 * What {@code peft4j plugins} shows of one provider.
 *
 * @param location the jar or class directory the provider was loaded from
 */
public record PluginInfo(PluginKind kind, String name, String description, String implementation, String location) {
    public PluginInfo {
        requireNonNull(kind, "kind");
        requireNonNull(name, "name");
        requireNonNull(description, "description");
        requireNonNull(implementation, "implementation");
        requireNonNull(location, "location");
    }

    static PluginInfo of(PluginKind kind, String name, String description, Class<?> implementation) {
        return new PluginInfo(kind, name, description, implementation.getName(), locationOf(implementation));
    }

    private static String locationOf(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return "(unknown)";
        }
        try {
            return Path.of(source.getLocation().toURI()).toString();
        }
        catch (URISyntaxException | IllegalArgumentException e) {
            return source.getLocation().toString();
        }
    }
}
