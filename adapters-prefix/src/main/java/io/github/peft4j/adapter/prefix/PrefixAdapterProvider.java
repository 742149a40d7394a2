package io.github.peft4j.adapter.prefix;

import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.AdapterProvider;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** The {@code prefix} method: prefix-tuning (Li &amp; Liang 2021), settings as {@link PrefixConfig} describes. */
public final class PrefixAdapterProvider implements AdapterProvider<PrefixConfig> {
    public static final String NAME = "prefix";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Prefix-tuning (Li & Liang 2021): trainable keys/values at every attention layer, MLP-reparameterised; exports Hugging Face PEFT";
    }

    @Override
    public PrefixConfig parseConfig(Map<String, String> settings) {
        return PrefixConfig.fromSettings(settings);
    }

    @Override
    public PrefixAdapter create(PrefixConfig config, AdapterContext context) {
        return PrefixAdapter.create(config, context);
    }

    /**
     * Opens a Hugging Face PEFT prefix-tuning directory (what {@link PrefixAdapter#export} writes) as an adapter
     * whose one trainable parameter is the flat prefix {@code prefix_module.embedding.weight [P, L*2*d]}, with real
     * tokens numbered from P as PEFT does. Its {@link PrefixAdapter#config()} is {@code init-file=<directory>,
     * mlp-width=0}, which recreates it.
     */
    @Override
    public PrefixAdapter load(Path directory, AdapterContext context) {
        if (!Files.isDirectory(directory)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "A prefix adapter is a Hugging Face PEFT directory; " + directory + " is not a directory");
        }
        PrefixConfig config = new PrefixConfig(OptionalInt.empty(), OptionalInt.of(0), 0, Optional.empty(), Optional.of(PrefixConfig.Positions.PEFT), PrefixConfig.Init.FILE,
                List.of(), Optional.empty(), Optional.of(directory));
        return PrefixAdapter.create(config, context);
    }
}
