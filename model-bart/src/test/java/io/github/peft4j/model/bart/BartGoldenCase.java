package io.github.peft4j.model.bart;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.testing.Golden;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A BART forward case of the golden vectors (test resources {@code golden/cases-bart.json}): encoder and decoder
 * inputs, optional three-part prefix, expected logits.
 */
record BartGoldenCase(String name, boolean peftPositions, Map<String, NDArray> tensors) {
    static final String CASES = "cases-bart.json";

    static Path model() {
        return Golden.resolve("bart");
    }

    static List<String> names() {
        List<String> names = new ArrayList<>();
        cases().forEach(c -> names.add(c.get("name").asText()));
        return names;
    }

    static BartGoldenCase load(String name, NDManager manager) {
        for (JsonNode c : cases()) {
            if (c.get("name").asText().equals(name)) {
                Map<String, NDArray> tensors = new HashMap<>();
                try (SafetensorsFile file = SafetensorsFile.open(Golden.resolve(c.get("file").asText()))) {
                    file.names().forEach(tensor -> tensors.put(tensor, file.load(tensor, manager)));
                }
                return new BartGoldenCase(name, c.get("pos_mode").asText().equals("peft"), tensors);
            }
        }
        throw new IllegalArgumentException("no golden case " + name);
    }

    private static JsonNode cases() {
        try {
            JsonNode all = new ObjectMapper().readTree(Golden.resolve(CASES).toFile());
            List<JsonNode> bart = new ArrayList<>();
            all.forEach(c -> {
                if (c.get("model").asText().equals("bart")) {
                    bart.add(c);
                }
            });
            return new ObjectMapper().valueToTree(bart);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ForwardInput input() {
        ForwardInput input = ForwardInput.of(tensors.get("input_ids"));
        if (tensors.containsKey("attention_mask")) {
            input = input.withAttentionMask(tensors.get("attention_mask"));
        }
        return input.withDecoderInput(tensors.get("decoder_input_ids"), Optional.empty());
    }

    /** The case's prefix of {@code site} at {@code layer}: {@code prefix.encoder|decoder|cross.{layer}.key|value}. */
    Optional<KeyValuePrefix> prefix(AttentionSite site, int layer) {
        String part = switch (site) {
            case ENCODER_SELF -> "encoder";
            case DECODER_SELF -> "decoder";
            case DECODER_CROSS -> "cross";
        };
        NDArray keys = tensors.get("prefix." + part + "." + layer + ".key");
        return keys == null ? Optional.empty() : Optional.of(new KeyValuePrefix(keys, tensors.get("prefix." + part + "." + layer + ".value")));
    }

    /** The prefixes as an adapter would hand them to the backend, with the case's position numbering. */
    AdapterHooks hooks() {
        return new AdapterHooks() {
            @Override
            public Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
                return prefix(site, layer);
            }

            @Override
            public int positionOffset(Stack stack) {
                AttentionSite self = stack == Stack.ENCODER ? AttentionSite.ENCODER_SELF : AttentionSite.DECODER_SELF;
                return peftPositions ? prefix(self, 0).map(KeyValuePrefix::length).orElse(0) : 0;
            }
        };
    }

    NDArray expectedLogits() {
        return tensors.get("logits");
    }
}
