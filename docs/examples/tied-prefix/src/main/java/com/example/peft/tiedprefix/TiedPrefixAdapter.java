package com.example.peft.tiedprefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.github.peft4j.spi.AdapterConfig;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ParameterEfficientAdapter;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** One set of prefix keys and values {@code [1, heads, P, headDim]}, prepended in every decoder layer. */
final class TiedPrefixAdapter implements ParameterEfficientAdapter {
    static final String KEYS = "tied_prefix.keys";
    static final String VALUES = "tied_prefix.values";
    static final String WEIGHTS_FILE = "tied_prefix.ndlist";

    private final TiedPrefixConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();

    TiedPrefixAdapter(TiedPrefixConfig config, NDManager manager, NDArray keys, NDArray values) {
        this.config = config;
        this.manager = manager;
        parameters.put(KEYS, keys);
        parameters.put(VALUES, values);
    }

    @Override
    public String method() {
        return TiedPrefixProvider.NAME;
    }

    @Override
    public Map<String, NDArray> trainableParameters() {
        return parameters;
    }

    @Override
    public AdapterHooks hooks(ForwardContext context) {
        KeyValuePrefix prefix = new KeyValuePrefix(parameters.get(KEYS), parameters.get(VALUES));
        return new AdapterHooks() {
            @Override
            public Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
                return site == AttentionSite.DECODER_SELF ? Optional.of(prefix) : Optional.empty();
            }

            @Override
            public int positionOffset(Stack stack) {
                // Number real tokens after the virtual ones, as Hugging Face PEFT's prefixes do.
                return stack == Stack.DECODER ? config.length() : 0;
            }
        };
    }

    @Override
    public AdapterConfig config() {
        return config;
    }

    @Override
    public void export(Path directory) {
        NDArray keys = parameters.get(KEYS);
        NDArray values = parameters.get(VALUES);
        keys.setName(KEYS);
        values.setName(VALUES);
        writeAtomically(directory.resolve(WEIGHTS_FILE), new NDList(keys, values).encode());
        // Written last: peft4j's --adapter finds the method by this file's "peft4j_method".
        writeAtomically(directory.resolve("adapter_config.json"), ("{\n  \"peft4j_method\": \"" + TiedPrefixProvider.NAME + "\",\n  \"length\": "
                + config.length() + "\n}\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Never leaves a half-written file: write beside the target, then rename over it. */
    private static void writeAtomically(Path target, byte[] content) {
        try {
            Files.createDirectories(target.getParent());
            Path temporary = Files.createTempFile(target.getParent(), ".tied-prefix", ".tmp");
            Files.write(temporary, content);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.WRITE_FAILED, "Cannot write " + target + ": " + e, e);
        }
    }

    @Override
    public long exportedParameterCount() {
        return parameters.values().stream().mapToLong(NDArray::size).sum();
    }

    @Override
    public void close() {
        manager.close();
    }
}
