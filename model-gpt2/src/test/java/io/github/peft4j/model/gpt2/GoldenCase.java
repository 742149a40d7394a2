package io.github.peft4j.model.gpt2;

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

/** A forward case of the golden vectors (test resources {@code golden/}): inputs, optional prefix, expected logits. */
record GoldenCase(String name, boolean peftPositions, boolean compareMaskedOnly, Map<String, NDArray> tensors) {
    static Path resource(String path) {
        return Golden.resolve(path);
    }

    static Path model() {
        return resource("gpt2");
    }

    static List<String> names() {
        List<String> names = new ArrayList<>();
        cases().forEach(c -> names.add(c.get("name").asText()));
        return names;
    }

    static GoldenCase load(String name, NDManager manager) {
        for (JsonNode c : cases()) {
            if (c.get("name").asText().equals(name)) {
                Map<String, NDArray> tensors = new HashMap<>();
                try (SafetensorsFile file = SafetensorsFile.open(resource(c.get("file").asText()))) {
                    file.names().forEach(tensor -> tensors.put(tensor, file.load(tensor, manager)));
                }
                return new GoldenCase(name, c.get("pos_mode").asText().equals("peft"), c.get("compare").asText().equals("mask"), tensors);
            }
        }
        throw new IllegalArgumentException("no golden case " + name);
    }

    private static JsonNode cases() {
        try {
            return new ObjectMapper().readTree(resource("cases.json").toFile());
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
        if (tensors.containsKey("position_ids")) {
            input = input.withPositionIds(tensors.get("position_ids"));
        }
        return input;
    }

    Optional<KeyValuePrefix> prefix(int layer) {
        NDArray keys = tensors.get("prefix.layers." + layer + ".key");
        return keys == null ? Optional.empty() : Optional.of(new KeyValuePrefix(keys, tensors.get("prefix.layers." + layer + ".value")));
    }

    /** The prefix as an adapter would hand it to the backend, with the case's position numbering. */
    AdapterHooks hooks() {
        int prefixLength = prefix(0).map(KeyValuePrefix::length).orElse(0);
        return new AdapterHooks() {
            @Override
            public Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
                return site == AttentionSite.DECODER_SELF ? prefix(layer) : Optional.empty();
            }

            @Override
            public int positionOffset(Stack stack) {
                return peftPositions ? prefixLength : 0;
            }
        };
    }

    NDArray expectedLogits() {
        return tensors.get("logits");
    }
}
