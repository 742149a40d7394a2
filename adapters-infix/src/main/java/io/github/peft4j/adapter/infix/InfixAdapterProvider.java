package io.github.peft4j.adapter.infix;

import ai.djl.ndarray.NDManager;
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

/** The {@code infix} method: infix-tuning {@code [x; INFIX; y]} (Li &amp; Liang's ablation), settings as {@link InfixConfig} describes. */
public final class InfixAdapterProvider implements AdapterProvider<InfixConfig> {
    public static final String NAME = "infix";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Infix-tuning [x; INFIX; y] (Li & Liang's ablation): trainable keys/values at every layer between source and target, MLP-reparameterised";
    }

    @Override
    public InfixConfig parseConfig(Map<String, String> settings) {
        return InfixConfig.fromSettings(settings);
    }

    @Override
    public InfixAdapter create(InfixConfig config, AdapterContext context) {
        return InfixAdapter.create(config, context);
    }

    /**
     * Opens an infix directory (what {@link InfixAdapter#export} writes) as an adapter whose one trainable parameter
     * is the flat {@code infix_module.embedding.weight [I, L*2*d]}, placed where the directory says. Its
     * {@link InfixAdapter#config()} is {@code init-file=<directory>, mlp-width=0, boundary=<the directory's>}, which
     * recreates it.
     */
    @Override
    public InfixAdapter load(Path directory, AdapterContext context) {
        if (!Files.isDirectory(directory)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "An infix adapter is a directory written by export; " + directory + " is not a directory");
        }
        InfixConfig.Boundary boundary;
        try (NDManager scratch = context.manager().newSubManager()) {
            boundary = InfixFiles.read(directory, scratch, context.backend().geometry()).boundary();
        }
        InfixConfig config = new InfixConfig(OptionalInt.empty(), OptionalInt.of(0), boundary, InfixConfig.Init.FILE, List.of(), Optional.empty(),
                List.of(), Optional.empty(), Optional.of(directory));
        return InfixAdapter.create(config, context);
    }
}
