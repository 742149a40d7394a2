package io.github.peft4j.core.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An open safetensors file whose header has been validated. Tensors are memory-mapped on {@link #load}: with a
 * private (copy-on-write) mapping when the file can be opened for writing, so that in-place ops on the array
 * never reach the file; otherwise the bytes are copied, since PyTorch crashes on writes to a read-only mapping.
 */
public final class SafetensorsFile implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER_BYTES = 100L << 20;

    private final Path path;
    private final FileChannel channel;
    private final boolean privateMappingAllowed;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, boolean privateMappingAllowed, long dataStart,
            Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.privateMappingAllowed = privateMappingAllowed;
        this.dataStart = dataStart;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Opens {@code path} and validates its header against the file's size. */
    public static SafetensorsFile open(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "Checkpoint file " + path + " does not exist");
        }
        boolean writable = Files.isWritable(path);
        FileChannel channel = null;
        if (writable) {
            try {
                channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            catch (IOException e) {
                // e.g. a read-only file system: fall back to reading (and copying) without a private mapping.
                writable = false;
            }
        }
        if (channel == null) {
            try {
                channel = FileChannel.open(path, StandardOpenOption.READ);
            }
            catch (IOException e) {
                throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "Cannot read checkpoint file " + path + ": " + e, e);
            }
        }
        try {
            return readHeader(path, channel, writable);
        }
        catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static SafetensorsFile readHeader(Path path, FileChannel channel, boolean writable) {
        try {
            long size = channel.size();
            if (size < 8) {
                throw malformed(path, "it has " + size + " bytes, fewer than the 8-byte header length; the file is truncated or not safetensors");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || headerLength > size - 8) {
                throw malformed(path, "its header length field says " + headerLength + " bytes but the file has " + size
                        + " bytes; the file is truncated or not safetensors");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8);
            long dataStart = 8 + headerLength;
            JsonNode root = parseJson(path, new String(header.array(), StandardCharsets.UTF_8));
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> fields = root.fields(); fields.hasNext();) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (field.getKey().equals("__metadata__")) {
                    field.getValue().fields().forEachRemaining(entry -> metadata.put(entry.getKey(), entry.getValue().asText()));
                }
                else {
                    tensors.put(field.getKey(), tensorInfo(path, field.getKey(), field.getValue(), size - dataStart));
                }
            }
            return new SafetensorsFile(path, channel, writable, dataStart, tensors, metadata);
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, "Cannot read checkpoint file " + path + ": " + e, e);
        }
    }

    private static JsonNode parseJson(Path path, String header) {
        try {
            JsonNode root = JSON.readTree(header);
            if (root == null || !root.isObject()) {
                throw malformed(path, "its header is not a JSON object");
            }
            return root;
        }
        catch (JsonProcessingException e) {
            throw malformed(path, "its header is not valid JSON (" + e.getOriginalMessage() + ")");
        }
    }

    private static TensorInfo tensorInfo(Path path, String name, JsonNode entry, long dataSize) {
        JsonNode dtypeNode = entry.get("dtype");
        JsonNode shapeNode = entry.get("shape");
        JsonNode offsets = entry.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual() || shapeNode == null || !shapeNode.isArray()
                || offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw malformed(path, "tensor '" + name + "' lacks a dtype, shape or two data_offsets");
        }
        long[] dims = new long[shapeNode.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonNode dim = shapeNode.get(i);
            if (!dim.canConvertToLong() || dim.asLong() < 0) {
                throw malformed(path, "tensor '" + name + "' has an invalid shape " + shapeNode);
            }
            dims[i] = dim.asLong();
        }
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        if (begin < 0 || end < begin) {
            throw malformed(path, "tensor '" + name + "' has invalid data_offsets " + offsets);
        }
        if (end > dataSize) {
            throw malformed(path, "tensor '" + name + "' ends at byte " + end + " of the data section, which has only " + dataSize
                    + " bytes; the file is truncated (download or copy it again)");
        }
        Shape shape = new Shape(dims);
        String dtype = dtypeNode.asText();
        SafetensorsDtype.parse(dtype).ifPresent(known -> {
            if (shape.size() * known.bytes() != end - begin) {
                throw malformed(path, "tensor '" + name + "' is " + dtype + " " + shape + " (" + shape.size() * known.bytes()
                        + " bytes) but its data_offsets span " + (end - begin) + " bytes");
            }
        });
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    public Path path() {
        return path;
    }

    /** Tensor names in header order. */
    public Set<String> names() {
        return tensors.keySet();
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new PeftException(StandardErrorCode.MISSING_TENSOR, path + " has no tensor '" + name + "'");
        }
        return info;
    }

    /**
     * Loads one tensor into {@code manager}: float16 and bfloat16 are widened to float32, other dtypes keep their
     * type. The array is named after the tensor.
     */
    public NDArray load(String name, NDManager manager) {
        TensorInfo info = info(name);
        SafetensorsDtype dtype = SafetensorsDtype.parse(info.dtype()).orElseThrow(() -> malformed(path,
                "tensor '" + name + "' has dtype " + info.dtype() + ", which peft4j cannot load (supported: F64, F32, F16, BF16, I64, I32, I8, U8, BOOL)"));
        try {
            ByteBuffer bytes = bytesOf(info);
            NDArray array = switch (dtype) {
                case F16 -> manager.create(widenHalf(bytes.asShortBuffer(), false), info.shape(), dtype.loadedAs());
                case BF16 -> manager.create(widenHalf(bytes.asShortBuffer(), true), info.shape(), dtype.loadedAs());
                default -> manager.create(bytes, info.shape(), dtype.loadedAs());
            };
            array.setName(name);
            return array;
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, "Cannot read tensor '" + name + "' of " + path + ": " + e, e);
        }
    }

    private ByteBuffer bytesOf(TensorInfo info) throws IOException {
        long offset = dataStart + info.begin();
        long length = info.byteLength();
        if (length > Integer.MAX_VALUE) {
            throw malformed(path, "tensor '" + info.name() + "' has " + length + " bytes; tensors over 2 GiB are not supported");
        }
        if (privateMappingAllowed) {
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.PRIVATE, offset, length);
            return mapped.order(ByteOrder.LITTLE_ENDIAN);
        }
        ByteBuffer copy = ByteBuffer.allocateDirect((int) length).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, copy, offset);
        return copy.flip();
    }

    /** IEEE half (or bfloat16) to float32, in a direct little-endian buffer that DJL can wrap. */
    private static ByteBuffer widenHalf(ShortBuffer halves, boolean bfloat16) {
        ByteBuffer floats = ByteBuffer.allocateDirect(halves.remaining() * 4).order(ByteOrder.LITTLE_ENDIAN);
        while (halves.hasRemaining()) {
            int bits = halves.get() & 0xffff;
            floats.putFloat(bfloat16 ? Float.intBitsToFloat(bits << 16) : halfToFloat(bits));
        }
        return floats.flip();
    }

    static float halfToFloat(int bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float subnormal = mantissa * 0x1p-24f;
            return sign == 0 ? subnormal : -subnormal;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, at);
            if (read < 0) {
                throw new IOException("unexpected end of file at byte " + at);
            }
            at += read;
        }
    }

    private static PeftException malformed(Path path, String problem) {
        return new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, "Checkpoint file " + path + " is not valid safetensors: " + problem);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        }
        catch (IOException ignored) {
            // Already failing with a more useful error.
        }
    }

    /** Closes the file; arrays already loaded stay valid (their mappings outlive the channel). */
    @Override
    public void close() {
        closeQuietly(channel);
    }
}
