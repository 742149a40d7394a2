package io.github.peft4j.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/** Corrupts good adapter files the way a hostile user would: each test writes a good file first, then breaks one thing. */
public final class BadAdapterFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private BadAdapterFiles() {}

    /** Rewrites tensor {@code name} of the safetensors {@code file} as {@code change} makes it; the others and the metadata stay. */
    public static void changeTensor(Path file, String name, UnaryOperator<NDArray> change) {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            Map<String, String> metadata;
            try (SafetensorsFile opened = SafetensorsFile.open(file)) {
                opened.names().forEach(tensor -> tensors.put(tensor, opened.load(tensor, manager)));
                metadata = opened.metadata();
            }
            if (!tensors.containsKey(name)) {
                throw new IllegalArgumentException(file + " has no tensor " + name);
            }
            tensors.put(name, change.apply(tensors.get(name)));
            SafetensorsWriter.write(file, tensors, metadata);
        }
    }

    /** Sets the first element of the floating-point tensor {@code name} to {@code value} (e.g. NaN); its dtype stays. */
    public static void setFirst(Path file, String name, float value) {
        changeTensor(file, name, tensor -> {
            float[] values = tensor.toType(DataType.FLOAT32, false).toFloatArray();
            values[0] = value;
            return tensor.getManager().create(values, tensor.getShape()).toType(tensor.getDataType(), false);
        });
    }

    /** Stores tensor {@code name} as {@code type} (e.g. F64 or I64). */
    public static void retype(Path file, String name, DataType type) {
        changeTensor(file, name, tensor -> tensor.toType(type, false));
    }

    /** Edits the JSON object in {@code file} (an {@code adapter_config.json}, a model's {@code config.json}). */
    public static void editConfig(Path file, Consumer<ObjectNode> edit) {
        try {
            ObjectNode config = (ObjectNode) JSON.readTree(file.toFile());
            edit.accept(config);
            Files.writeString(file, config.toPrettyString());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a safetensors file with one tensor whose header says {@code dtype} and {@code shapeJson} (anything, e.g.
     * an overflowing shape) and whose data is {@code dataBytes} zero bytes.
     */
    public static void writeRawTensor(Path file, String name, String dtype, String shapeJson, int dataBytes) {
        String header = "{\"" + name + "\": {\"dtype\": \"" + dtype + "\", \"shape\": " + shapeJson + ", \"data_offsets\": [0, " + dataBytes + "]}}";
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bytes = ByteBuffer.allocate(8 + headerBytes.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(headerBytes.length).put(headerBytes);
        try {
            Files.write(file, bytes.array());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
