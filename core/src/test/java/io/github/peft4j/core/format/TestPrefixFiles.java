package io.github.peft4j.core.format;

import static io.github.peft4j.testing.AdapterTesting.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.testing.BadAdapterFiles;
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

    @Test
    void peftDirectoryInFloat64LoadsAsFloat32AndBadTensorsAreRefusedByName() {
        LayerPrefixes prefix = randomPrefix(4, 4);
        Path adapter = directory.resolve("adapter");
        PrefixFiles.writePeftDirectory(adapter, prefix, GEOMETRY, "gpt2");
        Path weights = adapter.resolve(PrefixFiles.PEFT_WEIGHTS);
        BadAdapterFiles.retype(weights, PrefixFiles.PROMPT_EMBEDDINGS, DataType.FLOAT64);
        LayerPrefixes read = PrefixFiles.read(adapter, manager, GEOMETRY, false);
        assertThat(read.layers().get(0).keys().getDataType()).isEqualTo(DataType.FLOAT32);
        assertThat(read.toRows().toFloatArray()).containsExactly(prefix.toRows().toFloatArray());

        BadAdapterFiles.retype(weights, PrefixFiles.PROMPT_EMBEDDINGS, DataType.INT64);
        assertError(() -> PrefixFiles.read(adapter, manager, GEOMETRY, false), StandardErrorCode.MALFORMED_CHECKPOINT,
                "Tensor 'prompt_embeddings' of " + weights + " holds I64 values");
        BadAdapterFiles.retype(weights, PrefixFiles.PROMPT_EMBEDDINGS, DataType.FLOAT32);
        BadAdapterFiles.setFirst(weights, PrefixFiles.PROMPT_EMBEDDINGS, Float.NaN);
        assertError(() -> PrefixFiles.read(adapter, manager, GEOMETRY, false), StandardErrorCode.MALFORMED_CHECKPOINT,
                "tensor 'prompt_embeddings' of " + weights + " holds 1 non-finite value");
    }

    @Test
    void peftConfigOutOfRangeIsRefusedBeforeTheTensorIsRead() {
        Path adapter = directory.resolve("adapter");
        PrefixFiles.writePeftDirectory(adapter, randomPrefix(4, 4), GEOMETRY, "gpt2");
        Path config = adapter.resolve(PrefixFiles.PEFT_CONFIG);
        BadAdapterFiles.editConfig(config, json -> json.put("num_virtual_tokens", 32));
        assertError(() -> PrefixFiles.read(adapter, manager, GEOMETRY, false), StandardErrorCode.INVALID_ARGUMENT,
                config + " says num_virtual_tokens = 32: real tokens are numbered after the 32 virtual tokens, but the model has 32 positions");
        BadAdapterFiles.editConfig(config, json -> json.put("num_virtual_tokens", 5));
        assertError(() -> PrefixFiles.read(adapter, manager, GEOMETRY, false), StandardErrorCode.SHAPE_MISMATCH,
                "Tensor 'prompt_embeddings' of " + adapter.resolve(PrefixFiles.PEFT_WEIGHTS) + " is [4, 48]; this model needs (5, 48)");
        BadAdapterFiles.editConfig(config, json -> json.put("num_virtual_tokens", "four"));
        assertError(() -> PrefixFiles.read(adapter, manager, GEOMETRY, false), StandardErrorCode.MALFORMED_CONFIG,
                "has \"num_virtual_tokens\": \"four\"; expected a whole number >= 1");
        BadAdapterFiles.editConfig(config, json -> json.put("task_type", "SEQ_CLS"));
        assertError(() -> PrefixFiles.read(adapter, manager, GEOMETRY, false), StandardErrorCode.MALFORMED_CONFIG,
                "has \"task_type\": \"SEQ_CLS\"; expected \"CAUSAL_LM\"");
    }

    @Test
    void layerFileTensorsAreCheckedForShapeDtypeAndValues() {
        Path file = directory.resolve("prefix.safetensors");
        writeLayerFile(file, randomPrefix(3, 0), Map.of());
        BadAdapterFiles.setFirst(file, "prefix.layers.2.value", Float.POSITIVE_INFINITY);
        assertError(() -> PrefixFiles.read(file, manager, GEOMETRY, true), StandardErrorCode.MALFORMED_CHECKPOINT,
                "tensor 'prefix.layers.2.value' of " + file + " holds 1 non-finite value");
        assertThat(((BaseNDManager) manager).getManagedArrays()).as("a failed read frees the layers it read").isEmpty();

        writeLayerFile(file, randomPrefix(3, 0), Map.of());
        BadAdapterFiles.changeTensor(file, "prefix.layers.0.key", key -> key.reshape(2, 12));
        assertError(() -> PrefixFiles.read(file, manager, GEOMETRY, true), StandardErrorCode.SHAPE_MISMATCH,
                "Tensor 'prefix.layers.0.key' of " + file + " has 2 dimensions [2, 12]; it must be [1, 2, P, 4]");
        writeLayerFile(file, randomPrefix(3, 0), Map.of());
        BadAdapterFiles.changeTensor(file, "prefix.layers.1.value", value -> value.get(":, :, 0:2, :"));
        assertError(() -> PrefixFiles.read(file, manager, GEOMETRY, true), StandardErrorCode.SHAPE_MISMATCH,
                "Tensor 'prefix.layers.1.value' of " + file + " is [1, 2, 2, 4]; this model needs (1, 2, 3, 4)");
        writeLayerFile(file, randomPrefix(3, 0), Map.of("pos_mode", "middle"));
        assertError(() -> PrefixFiles.read(file, manager, GEOMETRY, true), StandardErrorCode.MALFORMED_CHECKPOINT,
                "has metadata pos_mode 'middle'; expected peft (real tokens numbered from P) or zero");
        writeLayerFile(file, randomPrefix(32, 0), Map.of());
        assertError(() -> PrefixFiles.read(file, manager, GEOMETRY, true), StandardErrorCode.INVALID_ARGUMENT,
                "Prefix file " + file + " holds 32 virtual tokens");
        assertThat(PrefixFiles.read(file, manager, GEOMETRY, false).length()).as("numbered from 0, a long prefix leaves every position").isEqualTo(32);
    }

    @Test
    void tensorsTheAdapterDoesNotUseAreRefusedByName() {
        Path file = directory.resolve("prefix.safetensors");
        writeLayerFile(file, randomPrefix(3, 0), Map.of());
        ModelGeometry shallower = new ModelGeometry("gpt2", 0, 2, 2, 4, 8, 50, 32);
        assertError(() -> PrefixFiles.read(file, manager, shallower, true), StandardErrorCode.MALFORMED_CHECKPOINT,
                file + " holds the unexpected tensors 'prefix.layers.2.key', 'prefix.layers.2.value'; a prefix file for this 2-layer model has only");

        Path adapter = directory.resolve("adapter");
        LayerPrefixes prefix = randomPrefix(2, 2);
        PrefixFiles.writePeftDirectory(adapter, prefix, GEOMETRY, "gpt2");
        Path weights = adapter.resolve(PrefixFiles.PEFT_WEIGHTS);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put(PrefixFiles.PROMPT_EMBEDDINGS, prefix.toRows());
        tensors.put("prompt_encoder.mlp.weight", manager.zeros(new Shape(2, 2)));
        SafetensorsWriter.write(weights, tensors, Map.of());
        assertError(() -> PrefixFiles.read(adapter, manager, GEOMETRY, true), StandardErrorCode.MALFORMED_CHECKPOINT,
                weights + " holds the unexpected tensor 'prompt_encoder.mlp.weight'; a PEFT prefix-tuning adapter has only 'prompt_embeddings'");
    }

    private static void writeLayerFile(Path file, LayerPrefixes prefix, Map<String, String> metadata) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (int layer = 0; layer < prefix.layers().size(); layer++) {
            tensors.put("prefix.layers." + layer + ".key", prefix.layers().get(layer).keys());
            tensors.put("prefix.layers." + layer + ".value", prefix.layers().get(layer).values());
        }
        SafetensorsWriter.write(file, tensors, metadata);
        tensors.values().forEach(NDArray::close);
    }

    private LayerPrefixes randomPrefix(int length, int offset) {
        List<KeyValuePrefix> layers = new ArrayList<>();
        for (int layer = 0; layer < 3; layer++) {
            layers.add(new KeyValuePrefix(manager.randomNormal(new Shape(1, 2, length, 4)), manager.randomNormal(new Shape(1, 2, length, 4))));
        }
        return new LayerPrefixes(AttentionSite.DECODER_SELF, layers, offset);
    }
}
