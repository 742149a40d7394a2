package io.github.peft4j.core.safetensors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/** Hand-made safetensors files for tests: arbitrary headers, and half-precision data DJL cannot write. */
public final class SafetensorsFixtures {
    private SafetensorsFixtures() {}

    /** Writes a file with exactly this header and data, valid or not. */
    public static void writeRaw(Path file, String header, byte[]... data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + Arrays.stream(data).mapToInt(d -> d.length).sum()).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json);
        for (byte[] d : data) {
            out.put(d);
        }
        try {
            Files.write(file, out.array());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sets element {@code index} of the F32 tensor {@code tensor} of {@code file} to {@code value}, in place. */
    public static void overwriteFloat(Path file, String tensor, long index, float value) {
        TensorInfo info;
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            info = read.info(tensor);
        }
        if (!info.dtype().equals("F32") || index >= info.shape().size()) {
            throw new IllegalArgumentException(tensor + " is " + info.dtype() + " " + info.shape());
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long at = dataStart(file) + info.begin() + 4 * index;
            channel.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).flip(), at);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Cuts {@code file} to {@code size} bytes in place (same inode), as a user who overwrites a model file while a run
     * has it mapped would: the mapping's pages past the new end then raise SIGBUS when touched.
     */
    public static void truncateInPlace(Path file, long size) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(size);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long dataStart(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(length, 0);
            return 8 + length.flip().getLong();
        }
    }

    /** Rewrites every F32 tensor of {@code source} as BF16 (truncated) or F16 (rounded), keeping names and order. */
    public static void writeAsHalf(Path source, Path target, boolean bfloat16) {
        StringBuilder header = new StringBuilder("{");
        ByteBuffer data;
        try (SafetensorsFile file = SafetensorsFile.open(source)) {
            long total = file.tensors().values().stream().mapToLong(t -> t.byteLength() / 2).sum();
            data = ByteBuffer.allocate(Math.toIntExact(total)).order(ByteOrder.LITTLE_ENDIAN);
            byte[] all = Files.readAllBytes(source);
            long dataStart = 8 + ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            for (TensorInfo info : file.tensors().values()) {
                long begin = data.position();
                ByteBuffer floats = ByteBuffer.wrap(all, Math.toIntExact(dataStart + info.begin()), Math.toIntExact(info.byteLength()))
                        .order(ByteOrder.LITTLE_ENDIAN);
                while (floats.hasRemaining()) {
                    float value = floats.getFloat();
                    data.putShort(bfloat16 ? (short) (Float.floatToIntBits(value) >>> 16) : floatToHalf(value));
                }
                if (header.length() > 1) {
                    header.append(',');
                }
                header.append('"').append(info.name()).append("\":{\"dtype\":\"").append(bfloat16 ? "BF16" : "F16")
                        .append("\",\"shape\":").append(Arrays.toString(info.shape().getShape()).replace(" ", ""))
                        .append(",\"data_offsets\":[").append(begin).append(',').append(data.position()).append("]}");
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writeRaw(target, header.append('}').toString(), data.array());
    }

    /** float32 to IEEE half, rounding to nearest even; enough for the normal range test weights use. */
    static short floatToHalf(float value) {
        int bits = Float.floatToIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = ((bits >>> 23) & 0xff) - 127 + 15;
        int mantissa = bits & 0x7fffff;
        if (exponent <= 0) {
            // Subnormal half (or zero): shift the implicit bit in.
            if (exponent < -10) {
                return (short) sign;
            }
            mantissa |= 0x800000;
            int shift = 14 - exponent;
            int half = mantissa >> shift;
            int remainder = mantissa & ((1 << shift) - 1);
            int midpoint = 1 << (shift - 1);
            if (remainder > midpoint || (remainder == midpoint && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        if (exponent >= 31) {
            return (short) (sign | 0x7c00);
        }
        int half = (exponent << 10) | (mantissa >> 13);
        int remainder = mantissa & 0x1fff;
        if (remainder > 0x1000 || (remainder == 0x1000 && (half & 1) == 1)) {
            half++;
        }
        return (short) (sign | half);
    }
}
