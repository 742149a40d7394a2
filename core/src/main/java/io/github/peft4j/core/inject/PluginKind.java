package io.github.peft4j.core.inject;

/** The two kinds of plugin, with the SPI interface each is registered under. */
public enum PluginKind {
    BACKEND("backend"),
    ADAPTER("adapter");

    private final String label;

    PluginKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
