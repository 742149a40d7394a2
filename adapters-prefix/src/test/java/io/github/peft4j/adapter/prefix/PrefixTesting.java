package io.github.peft4j.adapter.prefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ParameterEfficientAdapter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Helpers the prefix tests share (the models and stubs are in {@link io.github.peft4j.testing.AdapterTesting}). */
final class PrefixTesting {
    private PrefixTesting() {}

    /** Every tensor of a safetensors file, by name, in file order. */
    static Map<String, NDArray> tensors(Path file, NDManager manager) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (SafetensorsFile opened = SafetensorsFile.open(file)) {
            opened.names().forEach(name -> tensors.put(name, opened.load(name, manager)));
        }
        return tensors;
    }

    /** The decoder self-attention prefix of layer {@code layer} for one evaluation pass in {@code pass}. */
    static KeyValuePrefix prefix(ParameterEfficientAdapter adapter, NDManager pass, int layer) {
        return adapter.hooks(new ForwardContext(pass, 1, false)).attentionPrefix(AttentionSite.DECODER_SELF, layer).orElseThrow();
    }
}
