package com.example.peft.tiedprefix;

import io.github.peft4j.spi.AdapterConfig;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.Map;

/** The method's one setting: {@code length}, the number of virtual tokens (default 10). */
public record TiedPrefixConfig(int length) implements AdapterConfig {
    public TiedPrefixConfig {
        if (length <= 0) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "tied-prefix: length must be positive, got " + length);
        }
    }

    static TiedPrefixConfig parse(Map<String, String> settings) {
        for (String key : settings.keySet()) {
            if (!key.equals("length")) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "tied-prefix has no setting '" + key + "'; it knows: length");
            }
        }
        try {
            return new TiedPrefixConfig(Integer.parseInt(settings.getOrDefault("length", "10")));
        }
        catch (NumberFormatException e) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "tied-prefix: length must be an integer, got '" + settings.get("length") + "'");
        }
    }

    @Override
    public Map<String, String> toSettings() {
        return Map.of("length", Integer.toString(length));
    }
}
