package io.github.peft4j.core.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.Inject;
import com.google.inject.Injector;
import io.github.peft4j.fixture.DuplicateNameAdapterProvider;
import io.github.peft4j.fixture.FixtureEmbeddingAdapterProvider;
import io.github.peft4j.spi.AdapterProvider;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestPluginDiscovery {
    /** A class of the user's own, wanting the plugins injected: nothing in core names the fixture. */
    static final class MethodCatalogue {
        final Map<String, AdapterProvider<?>> adapters;

        @Inject
        MethodCatalogue(Map<String, AdapterProvider<?>> adapters) {
            this.adapters = adapters;
        }
    }

    @Test
    void providerThatOnlyJoinsTheClassPathIsDiscoveredAndInjectable() {
        Injector injector = PeftInjector.create(new AbstractModule() {
            @Override
            protected void configure() {
                bind(MethodCatalogue.class);
            }
        });

        assertThat(injector.getInstance(MethodCatalogue.class).adapters)
                .containsKey(FixtureEmbeddingAdapterProvider.NAME)
                .hasValueSatisfying(new org.assertj.core.api.Condition<>(
                        provider -> provider instanceof FixtureEmbeddingAdapterProvider, "the fixture provider"));

        PluginRegistry registry = injector.getInstance(PluginRegistry.class);
        AdapterProvider<?> adapter = registry.adapter(FixtureEmbeddingAdapterProvider.NAME);
        assertThat(adapter.parseConfig(Map.of("length", "3")).toSettings()).containsEntry("length", "3");
        assertThat(registry.describeAll())
                .anySatisfy(info -> {
                    assertThat(info.kind()).isEqualTo(PluginKind.ADAPTER);
                    assertThat(info.name()).isEqualTo(FixtureEmbeddingAdapterProvider.NAME);
                    assertThat(info.implementation()).isEqualTo(FixtureEmbeddingAdapterProvider.class.getName());
                    assertThat(info.location()).contains("test-classes");
                });
    }

    @Test
    void injectorIsASingletonRegistry() {
        Injector injector = PeftInjector.create();
        assertThat(injector.getInstance(PluginRegistry.class)).isSameAs(injector.getInstance(PluginRegistry.class));
    }

    @Test
    void duplicateNamesAreRejectedNamingBothClasses(@TempDir Path extraClassPath) throws IOException {
        Path services = extraClassPath.resolve("META-INF/services/io.github.peft4j.spi.AdapterProvider");
        Files.createDirectories(services.getParent());
        Files.writeString(services, DuplicateNameAdapterProvider.class.getName() + "\n");

        try (URLClassLoader loader = new URLClassLoader(new URL[] {extraClassPath.toUri().toURL()}, getClass().getClassLoader())) {
            assertThatThrownBy(() -> PluginDiscovery.discover(loader))
                    .isInstanceOfSatisfying(PeftException.class,
                            e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.DUPLICATE_PLUGIN.toErrorCode()))
                    .hasMessageContaining("'" + FixtureEmbeddingAdapterProvider.NAME + "'")
                    .hasMessageContaining(FixtureEmbeddingAdapterProvider.class.getName())
                    .hasMessageContaining(DuplicateNameAdapterProvider.class.getName());
        }
    }

    @Test
    void brokenServiceEntryIsAClearUserError(@TempDir Path extraClassPath) throws IOException {
        Path services = extraClassPath.resolve("META-INF/services/io.github.peft4j.spi.BackendProvider");
        Files.createDirectories(services.getParent());
        Files.writeString(services, "com.example.NoSuchBackendProvider\n");

        try (URLClassLoader loader = new URLClassLoader(new URL[] {extraClassPath.toUri().toURL()}, getClass().getClassLoader())) {
            assertThatThrownBy(() -> PluginDiscovery.discover(loader))
                    .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.isUserError()).isTrue())
                    .hasMessageContaining("com.example.NoSuchBackendProvider")
                    .hasMessageContaining("META-INF/services");
        }
    }

    @Test
    void unknownNamesListWhatIsAvailable() {
        PluginRegistry registry = PeftInjector.create().getInstance(PluginRegistry.class);

        assertThatThrownBy(() -> registry.adapter("lora"))
                .isInstanceOfSatisfying(PeftException.class,
                        e -> assertThat(e.getErrorCode()).isEqualTo(StandardErrorCode.UNKNOWN_PLUGIN.toErrorCode()))
                .hasMessageContaining("'lora'")
                .hasMessageContaining(FixtureEmbeddingAdapterProvider.NAME);
        assertThatThrownBy(() -> registry.backendForModelType("llama"))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("'llama'");
    }
}
