package io.github.peft4j.core.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.Stack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestPrefixFiles {
    private static final ModelGeometry GEOMETRY = new ModelGeometry("gpt2", 0, 3, 2, 4, 8, 50, 32);

    private final NDManager manager = NDManager.newBaseManager("PyTorch");

    @TempDir
    Path directory;

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void rowsLayoutMatchesPeftIndexing() {
        LayerPrefixes prefix = randomPrefix(5, 5);
        float[] rows = prefix.toRows().toFloatArray();
        int width = 3 * 2 * 8;
        for (int layer = 0; layer < 3; layer++) {
            for (int kv = 0; kv < 2; kv++) {
                KeyValuePrefix kvs = prefix.layers().get(layer);
                float[] tensor = (kv == 0 ? kvs.keys() : kvs.values()).toFloatArray();
                for (int h = 0; h < 2; h++) {
                    for (int p = 0; p < 5; p++) {
                        for (int x = 0; x < 4; x++) {
                            float expected = tensor[(h * 5 + p) * 4 + x];
                            assertThat(rows[p * width + ((layer * 2 + kv) * 2 + h) * 4 + x]).isEqualTo(expected);
                        }
                    }
                }
            }
        }
        LayerPrefixes back = LayerPrefixes.fromRows(prefix.toRows(), GEOMETRY, AttentionSite.DECODER_SELF, 5);
        for (int layer = 0; layer < 3; layer++) {
            assertThat(back.layers().get(layer).keys().toFloatArray()).containsExactly(prefix.layers().get(layer).keys().toFloatArray());
            assertThat(back.layers().get(layer).values().toFloatArray()).containsExactly(prefix.layers().get(layer).values().toFloatArray());
        }
    }

    @Test
    void peftDirectoryRoundTrips() throws Exception {
        LayerPrefixes prefix = randomPrefix(4, 4);
        Path adapter = directory.resolve("adapter");
        PrefixFiles.writePeftDirectory(adapter, prefix, GEOMETRY, "gpt2");

        assertThat(Files.readString(adapter.resolve(PrefixFiles.PEFT_CONFIG))).contains("\"PREFIX_TUNING\"", "\"num_virtual_tokens\" : 4");
        LayerPrefixes read = PrefixFiles.read(adapter, manager, GEOMETRY, false);
        assertThat(read.positionOffset()).isEqualTo(4);
        assertThat(read.hooks().positionOffset(Stack.DECODER)).isEqualTo(4);
        assertThat(read.toRows().toFloatArray()).containsExactly(prefix.toRows().toFloatArray());
    }

    @Test
    void layerFileUsesItsPositionModeOrTheCallersDefault() {
        LayerPrefixes prefix = randomPrefix(3, 0);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (int layer = 0; layer < 3; layer++) {
            tensors.put("prefix.layers." + layer + ".key", prefix.layers().get(layer).keys());
            tensors.put("prefix.layers." + layer + ".value", prefix.layers().get(layer).values());
        }
        Path plain = directory.resolve("plain.safetensors");
        SafetensorsWriter.write(plain, tensors, Map.of());
        Path zero = directory.resolve("zero.safetensors");
        SafetensorsWriter.write(zero, tensors, Map.of("pos_mode", "zero"));

        assertThat(PrefixFiles.read(plain, manager, GEOMETRY, true).positionOffset()).isEqualTo(3);
        assertThat(PrefixFiles.read(plain, manager, GEOMETRY, false).positionOffset()).isZero();
        assertThat(PrefixFiles.read(zero, manager, GEOMETRY, true).positionOffset()).isZero();
    }

    @Test
    void adapterForAnotherModelIsRefused() {
        Path adapter = directory.resolve("adapter");
        PrefixFiles.writePeftDirectory(adapter, randomPrefix(2, 2), GEOMETRY, "gpt2");
        ModelGeometry deeper = new ModelGeometry("gpt2", 0, 4, 2, 4, 8, 50, 32);

        assertThatThrownBy(() -> PrefixFiles.read(adapter, manager, deeper, true))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("num_layers")
                .hasMessageContaining("different base model");
        AtomicFiles.writeString(adapter.resolve(PrefixFiles.PEFT_CONFIG), "{\"peft_type\":\"LORA\"}");
        assertThatThrownBy(() -> PrefixFiles.read(adapter, manager, GEOMETRY, true))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("PREFIX_TUNING");
    }

    private LayerPrefixes randomPrefix(int length, int offset) {
        List<KeyValuePrefix> layers = new ArrayList<>();
        for (int layer = 0; layer < 3; layer++) {
            layers.add(new KeyValuePrefix(manager.randomNormal(new Shape(1, 2, length, 4)), manager.randomNormal(new Shape(1, 2, length, 4))));
        }
        return new LayerPrefixes(AttentionSite.DECODER_SELF, layers, offset);
    }
}
