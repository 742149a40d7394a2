package io.github.peft4j.adapter.prefix;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.peft4j.core.format.AdapterConfigFiles;
import io.github.peft4j.core.format.PrefixFiles;
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
    /** The key of {@code adapter_config.json} that marks peft4j's own layout (an encoder-decoder model's prefix). */
    static final String METHOD_KEY = "peft4j_method";

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
     * mlp-width=0}, which recreates it. A directory in peft4j's own layout ({@code peft4j_method: prefix}, what an
     * encoder-decoder model's prefix exports to) is opened with its {@code parts} and {@code positions}, each part's
     * flat prefix read from its {@code adapter_model.safetensors}.
     */
    @Override
    public PrefixAdapter load(Path directory, AdapterContext context) {
        if (!Files.isDirectory(directory)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "A prefix adapter is a Hugging Face PEFT directory; " + directory + " is not a directory");
        }
        Optional<JsonNode> own = ownLayout(directory);
        if (own.isPresent()) {
            JsonNode json = own.get();
            Path configFile = directory.resolve(PrefixFiles.PEFT_CONFIG);
            PrefixConfig.Parts parts = AdapterConfigFiles.enumValue(configFile, json, PrefixConfig.PARTS, PrefixConfig.Parts.class, PrefixConfig.Parts.LILIANG);
            if (parts == PrefixConfig.Parts.LILIANG && !context.backend().geometry().isEncoderDecoder()) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, directory + " holds an encoder-decoder model's prefix (Li & Liang's encoder,"
                        + " decoder and cross-attention parts), but the " + context.backend().family() + " model is decoder-only; give an adapter trained on it");
            }
            PrefixConfig.Positions positions = AdapterConfigFiles.enumValue(configFile, json, PrefixConfig.POSITIONS, PrefixConfig.Positions.class,
                    PrefixConfig.Positions.ZERO);
            PrefixConfig config = new PrefixConfig(OptionalInt.empty(), OptionalInt.of(0), 0, Optional.of(parts), Optional.of(positions), PrefixConfig.Init.FILE,
                    List.of(), Optional.empty(), Optional.of(directory.resolve(PrefixFiles.PEFT_WEIGHTS)));
            return PrefixAdapter.create(config, context);
        }
        if (context.backend().geometry().isEncoderDecoder()) {
            // Said here, about the directory given, rather than later about the init-file it becomes.
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, directory + " is a Hugging Face PEFT prefix-tuning directory, which holds a"
                    + " decoder-only model's prefix, but the " + context.backend().family() + " model is encoder-decoder; give an adapter trained on it");
        }
        PrefixConfig config = new PrefixConfig(OptionalInt.empty(), OptionalInt.of(0), 0, Optional.empty(), Optional.of(PrefixConfig.Positions.PEFT), PrefixConfig.Init.FILE,
                List.of(), Optional.empty(), Optional.of(directory));
        return PrefixAdapter.create(config, context);
    }

    /** The config of a directory in peft4j's own prefix layout ({@code peft4j_method: prefix}), else empty. */
    private static Optional<JsonNode> ownLayout(Path directory) {
        Path configFile = directory.resolve(PrefixFiles.PEFT_CONFIG);
        if (!Files.isRegularFile(configFile)) {
            return Optional.empty();
        }
        JsonNode json = AdapterConfigFiles.read(configFile);
        if (!json.hasNonNull(METHOD_KEY)) {
            return Optional.empty();
        }
        if (!NAME.equals(json.get(METHOD_KEY).asText())) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, configFile + " has " + METHOD_KEY + " " + json.get(METHOD_KEY)
                    + "; the prefix method loads \"" + NAME + "\"");
        }
        return Optional.of(json);
    }
}
