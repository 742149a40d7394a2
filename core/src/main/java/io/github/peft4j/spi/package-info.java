/**
 * The peft4j service-provider interface: the only types a model backend or an adapter plugin implements.
 *
 * <p>A backend ({@link io.github.peft4j.spi.ModelBackend}) owns a frozen pretrained model and offers fixed
 * {@link io.github.peft4j.spi.InjectionPoint injection points}; an adapter
 * ({@link io.github.peft4j.spi.ParameterEfficientAdapter}) owns only its trainable parameters and answers the
 * backend's hooks through {@link io.github.peft4j.spi.AdapterHooks}. Neither knows the other's implementation.
 * Plugins are found with {@link java.util.ServiceLoader}: a jar declares its
 * {@link io.github.peft4j.spi.BackendProvider} or {@link io.github.peft4j.spi.AdapterProvider} in
 * {@code META-INF/services} and nothing in {@code core} or {@code cli} changes.
 *
 * <p>This package depends on the JDK and DJL's API only (no dependency-injection framework), so that plugins
 * stay free to be wired by any container.
 */
package io.github.peft4j.spi;
