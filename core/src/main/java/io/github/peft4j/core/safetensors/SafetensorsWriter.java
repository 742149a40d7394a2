package io.github.peft4j.core.safetensors;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** Writes tensors as one safetensors file, atomically, in the order given. */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsWriter() {}

    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            // DJL hands out array bytes in native order; the format is little-endian.
            throw new PeftException(StandardErrorCode.INTERNAL_ERROR, "Writing safetensors needs a little-endian machine");
        }
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, NDArray> entry : tensors.entrySet()) {
            NDArray array = entry.getValue();
            SafetensorsDtype dtype = SafetensorsDtype.of(array.getDataType()).orElseThrow(() -> new PeftException(StandardErrorCode.INTERNAL_ERROR,
                    "Cannot write tensor '" + entry.getKey() + "' of type " + array.getDataType() + " as safetensors"));
            long length = array.getShape().size() * dtype.bytes();
            ObjectNode info = header.putObject(entry.getKey());
            info.put("dtype", dtype.name());
            ArrayNode shape = info.putArray("shape");
            Arrays.stream(array.getShape().getShape()).forEach(shape::add);
            info.putArray("data_offsets").add(offset).add(offset + length);
            offset += length;
        }
        byte[] headerBytes = paddedHeader(header.toString());
        AtomicFiles.write(file, out -> {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length).array());
            out.write(headerBytes);
            for (NDArray array : tensors.values()) {
                ByteBuffer data = array.toByteBuffer();
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                out.write(bytes);
            }
        });
    }

    /** The format aligns the data section to 8 bytes by padding the header with spaces. */
    private static byte[] paddedHeader(String json) {
        byte[] raw = json.getBytes(StandardCharsets.UTF_8);
        int padded = (raw.length + 7) / 8 * 8;
        byte[] result = Arrays.copyOf(raw, padded);
        Arrays.fill(result, raw.length, padded, (byte) ' ');
        return result;
    }
}
