package io.github.peft4j.spi;

import java.util.Map;

/**
 * A method's typed, validated settings, usually a record. It writes itself back to the string form that
 * {@link AdapterProvider#parseConfig} reads, so that a run directory records exactly what was trained.
 */
public interface AdapterConfig {
    /** The settings as {@link AdapterProvider#parseConfig} accepts them; parsing them again gives an equal config. */
    Map<String, String> toSettings();
}
