package io.github.peft4j.spi;

import java.nio.file.Path;
import java.util.Map;

/**
 * Discovered with {@link java.util.ServiceLoader}: one provider per fine-tuning method, registered in
 * {@code META-INF/services/io.github.peft4j.spi.AdapterProvider}. Must have a public no-argument constructor and
 * be stateless.
 *
 * @param <C> the method's typed settings
 */
public interface AdapterProvider<C extends AdapterConfig> {
    /** The unique, lower-case method name users type, e.g. {@code prefix}. */
    String name();

    /** One line for {@code peft4j plugins}. */
    String description();

    /**
     * Parses and validates settings given as strings (from the CLI or a run directory). Unknown keys and bad
     * values throw {@link PeftException} with {@link StandardErrorCode#INVALID_ARGUMENT} naming the key.
     */
    C parseConfig(Map<String, String> settings);

    /**
     * Creates the adapter for {@code context}'s model. Throws {@link StandardErrorCode#UNSUPPORTED_INJECTION_POINT}
     * when the backend lacks a point the method needs.
     */
    ParameterEfficientAdapter create(C config, AdapterContext context);

    /**
     * Opens an adapter written by {@link ParameterEfficientAdapter#export} (or an interchange format the method
     * imports, such as a Hugging Face PEFT directory) for {@code context}'s model. A directory made for another
     * model or method throws {@link PeftException} saying so.
     */
    ParameterEfficientAdapter load(Path directory, AdapterContext context);

    /** Parses {@code settings} and creates the adapter: the entry point for callers that hold only strings. */
    default ParameterEfficientAdapter create(Map<String, String> settings, AdapterContext context) {
        return create(parseConfig(settings), context);
    }
}
