package io.github.peft4j.core.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.peft4j.core.io.IoErrors;
import io.github.peft4j.core.io.StrictJson;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An open safetensors file whose header has been validated. Tensors are memory-mapped on {@link #load}: with a
 * private (copy-on-write) mapping when the file can be opened for writing, so that in-place ops on the array
 * never reach the file; otherwise the bytes are copied, since PyTorch crashes on writes to a read-only mapping.
 *
 * <p>A mapped array reads the file's pages as it is used: if the file is truncated meanwhile, native code touching
 * a page past the new end gets SIGBUS and the JVM aborts. {@link #requireUnchanged()} tells, cheaply, whether the
 * file still is what was opened; callers run it between uses of the arrays (see {@link SafetensorsCheckpoint}).
 */
public final class SafetensorsFile implements AutoCloseable {
    private static final long MAX_HEADER_BYTES = 100L << 20;
    private static final String METADATA = "__metadata__";

    private final Path path;
    private final FileStamp stamp;
    private final FileChannel channel;
    private final boolean privateMappingAllowed;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;
    /** Whether an array handed out reads this file's pages (a mapping), so that the file must stay as it is. */
    private volatile boolean backsArrays;

    private SafetensorsFile(Path path, FileStamp stamp, FileChannel channel, boolean privateMappingAllowed, long dataStart,
            Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.stamp = stamp;
        this.channel = channel;
        this.privateMappingAllowed = privateMappingAllowed;
        this.dataStart = dataStart;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Opens {@code path} and validates its header against the file's size. */
    public static SafetensorsFile open(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "Checkpoint file " + path + " does not exist or is not a file");
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
                throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "Cannot read checkpoint file " + path + " (" + IoErrors.describe(e)
                        + "); check that it is readable", e);
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
            FileStamp stamp = FileStamp.of(path);
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
            JsonNode root = parseJson(path, header.flip());
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> field : root.properties()) {
                if (field.getKey().equals(METADATA)) {
                    readMetadata(path, field.getValue(), metadata);
                }
                else {
                    tensors.put(field.getKey(), tensorInfo(path, field.getKey(), field.getValue(), size - dataStart));
                }
            }
            requireDisjoint(path, tensors.values());
            return new SafetensorsFile(path, stamp, channel, writable, dataStart, tensors, metadata);
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, "Cannot read checkpoint file " + path + " (" + IoErrors.describe(e)
                    + "); check that it is readable", e);
        }
    }

    private static JsonNode parseJson(Path path, ByteBuffer header) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(header)
                    .toString();
        }
        catch (CharacterCodingException e) {
            throw malformed(path, "its header is not valid UTF-8; the file is corrupt or not safetensors");
        }
        try {
            JsonNode root = StrictJson.MAPPER.readTree(text);
            if (root == null || !root.isObject()) {
                throw malformed(path, "its header is not a JSON object");
            }
            return root;
        }
        catch (JsonProcessingException e) {
            throw malformed(path, "its header is not valid JSON (" + e.getOriginalMessage() + ")");
        }
    }

    private static void readMetadata(Path path, JsonNode node, Map<String, String> metadata) {
        if (!node.isObject()) {
            throw malformed(path, "its " + METADATA + " is not an object of strings");
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!entry.getValue().isTextual()) {
                throw malformed(path, "its " + METADATA + " entry '" + entry.getKey() + "' is " + entry.getValue() + ", not a string");
            }
            metadata.put(entry.getKey(), entry.getValue().textValue());
        }
    }

    private static TensorInfo tensorInfo(Path path, String name, JsonNode entry, long dataSize) {
        if (!entry.isObject()) {
            throw malformed(path, "tensor '" + name + "' is described by " + entry.getNodeType() + ", not an object with dtype, shape and data_offsets");
        }
        JsonNode dtypeNode = entry.get("dtype");
        JsonNode shapeNode = entry.get("shape");
        JsonNode offsets = entry.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual() || shapeNode == null || !shapeNode.isArray()
                || offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw malformed(path, "tensor '" + name + "' lacks a dtype, shape or two data_offsets");
        }
        long[] dims = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < dims.length; i++) {
            JsonNode dim = shapeNode.get(i);
            if (!isCount(dim)) {
                throw malformed(path, "tensor '" + name + "' has shape " + shapeNode + ", whose sizes must be integers >= 0");
            }
            dims[i] = dim.longValue();
            if (elements >= 0) {
                elements = multiplyOrNegative(elements, dims[i]);
            }
        }
        if (elements < 0) {
            throw malformed(path, "tensor '" + name + "' has shape " + shapeNode + ", whose element count overflows 64 bits");
        }
        if (!isCount(offsets.get(0)) || !isCount(offsets.get(1)) || offsets.get(1).longValue() < offsets.get(0).longValue()) {
            throw malformed(path, "tensor '" + name + "' has data_offsets " + offsets + "; they must be two integers begin <= end, >= 0");
        }
        long begin = offsets.get(0).longValue();
        long end = offsets.get(1).longValue();
        if (end > dataSize) {
            throw malformed(path, "tensor '" + name + "' ends at byte " + end + " of the data section, which has only " + dataSize
                    + " bytes; the file is truncated (download or copy it again)");
        }
        String dtype = dtypeNode.asText();
        Optional<SafetensorsDtype> known = SafetensorsDtype.parse(dtype);
        if (known.isPresent()) {
            long bytes = multiplyOrNegative(elements, known.get().bytes());
            if (bytes != end - begin) {
                throw malformed(path, "tensor '" + name + "' is " + dtype + " " + shapeNode + " ("
                        + (bytes < 0 ? "more bytes than fit in 64 bits" : bytes + " bytes") + ") but its data_offsets span " + (end - begin) + " bytes");
            }
        }
        return new TensorInfo(name, dtype, new Shape(dims), begin, end);
    }

    /** An integer JSON number {@code >= 0} that fits a long (not 2.5, not "3", not 1e30). */
    private static boolean isCount(JsonNode node) {
        return node.isIntegralNumber() && node.canConvertToLong() && node.longValue() >= 0;
    }

    /** {@code a * b} for {@code a, b >= 0}, or -1 when the product overflows a long. */
    private static long multiplyOrNegative(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        }
        catch (ArithmeticException overflow) {
            return -1;
        }
    }

    /** Refuses tensors whose bytes overlap: each byte of the data section belongs to one tensor at most. */
    private static void requireDisjoint(Path path, Collection<TensorInfo> tensors) {
        List<TensorInfo> byOffset = tensors.stream()
                .filter(info -> info.byteLength() > 0)
                .sorted(Comparator.comparingLong(TensorInfo::begin))
                .toList();
        for (int i = 1; i < byOffset.size(); i++) {
            TensorInfo previous = byOffset.get(i - 1);
            TensorInfo next = byOffset.get(i);
            if (next.begin() < previous.end()) {
                throw malformed(path, "tensors '" + previous.name() + "' (bytes " + previous.begin() + " to " + previous.end() + ") and '"
                        + next.name() + "' (bytes " + next.begin() + " to " + next.end() + ") overlap in the data section");
            }
        }
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
                default -> {
                    if (privateMappingAllowed) {
                        backsArrays = true;
                    }
                    yield manager.create(bytes, info.shape(), dtype.loadedAs());
                }
            };
            array.setName(name);
            return array;
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, "Cannot read tensor '" + name + "' of " + path + " ("
                    + IoErrors.describe(e) + ")", e);
        }
    }

    /**
     * Throws {@link StandardErrorCode#MALFORMED_CHECKPOINT} if the file has changed on disk (size, modification time,
     * or another file now at its path) since it was opened, while arrays loaded from it still read its pages. A
     * stat of the path: cheap enough to run before every forward pass. Works after {@link #close()} too, since the
     * arrays outlive the channel.
     */
    public void requireUnchanged() {
        if (backsArrays) {
            stamp.requireUnchanged();
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
