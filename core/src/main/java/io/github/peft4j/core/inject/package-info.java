/**
 * Finds plugins with {@link java.util.ServiceLoader} and wires them with Guice: the only place that knows
 * about both. Providers are bound by name into {@code Map<String, BackendProvider>} and
 * {@code Map<String, AdapterProvider<?>>} ({@link com.google.inject.multibindings.MapBinder}); everything else
 * asks {@link io.github.peft4j.core.inject.PluginRegistry}.
 */
package io.github.peft4j.core.inject;
