package io.github.peft4j.core.model;

import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Whether a random model of the asked sizes can be built, worked out from the sizes alone: listing its tensors for
 * 100,000,000 layers, or allocating a 2^40-element embedding, would take minutes or fail in the middle.
 */
public final class RandomModelSizes {
    /** The most elements one Java array (one random tensor's values) can hold. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private RandomModelSizes() {}

    /**
     * Refuses with {@link StandardErrorCode#OUT_OF_MEMORY} a model one of whose tensors would exceed a Java array, or
     * whose float32 weights would exceed the machine's memory (the writer holds them all before writing).
     *
     * @param model names the model for the message, e.g. {@code "gpt2"}
     * @param stackLayers the layer count of each stack (GPT-2: one; BART: encoder and decoder)
     * @param shapesFor the tensor shapes of the same model with other layer counts; only called with counts of 1
     *     and 2, since the parameter count is linear in each stack's layers
     */
    public static void requireBuildable(String model, int[] stackLayers, Function<int[], Map<String, Shape>> shapesFor) {
        int[] ones = new int[stackLayers.length];
        Arrays.fill(ones, 1);
        long base = parameters(shapesFor.apply(ones));
        long total = base;
        for (int stack = 0; stack < stackLayers.length; stack++) {
            int[] twice = ones.clone();
            twice[stack] = 2;
            long perLayer = saturatedSubtract(parameters(shapesFor.apply(twice)), base);
            total = saturatedAdd(total, saturatedMultiply(stackLayers[stack] - 1L, perLayer));
        }
        for (Map.Entry<String, Shape> tensor : shapesFor.apply(ones).entrySet()) {
            long elements = elements(tensor.getValue());
            if (elements > MAX_ARRAY) {
                throw new PeftException(StandardErrorCode.OUT_OF_MEMORY, String.format(Locale.ROOT,
                        "A random %s of these sizes would have a tensor '%s' of %s elements; one tensor is built as one Java array of"
                                + " at most %,d elements. Ask for smaller sizes", model, tensor.getKey(), count(elements), MAX_ARRAY));
            }
        }
        long bytes = saturatedMultiply(total, Float.BYTES);
        long memory = physicalMemory();
        if (bytes > memory) {
            throw new PeftException(StandardErrorCode.OUT_OF_MEMORY, String.format(Locale.ROOT,
                    "A random %s of these sizes would have %s parameters (%s bytes as float32), more than this machine's %,d bytes of"
                            + " memory, which writing it needs. Ask for fewer layers or smaller sizes", model, count(total), count(bytes), memory));
        }
    }

    /**
     * The feed-forward width of a random model with hidden size {@code hidden}: {@code 4 * hidden}, as GPT-2 and BART
     * make it, refused with {@link StandardErrorCode#OUT_OF_MEMORY} when that exceeds an int.
     */
    public static int feedForwardWidth(String model, int hidden) {
        long width = 4L * hidden;
        if (width > Integer.MAX_VALUE) {
            throw new PeftException(StandardErrorCode.OUT_OF_MEMORY, String.format(Locale.ROOT, "A random %s with hidden size %,d would have"
                    + " feed-forward layers 4 * %,d = %,d wide, more than peft4j supports (%,d). Ask for a smaller hidden size", model, hidden,
                    hidden, width, Integer.MAX_VALUE));
        }
        return (int) width;
    }

    private static long parameters(Map<String, Shape> shapes) {
        long total = 0;
        for (Shape shape : shapes.values()) {
            total = saturatedAdd(total, elements(shape));
        }
        return total;
    }

    private static long elements(Shape shape) {
        long elements = 1;
        for (long dim : shape.getShape()) {
            elements = saturatedMultiply(elements, dim);
        }
        return elements;
    }

    private static String count(long value) {
        return value == Long.MAX_VALUE ? "more than 2^63" : String.format(Locale.ROOT, "%,d", value);
    }

    private static long physicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean system) {
            return system.getTotalMemorySize();
        }
        return Long.MAX_VALUE;
    }

    /** {@code a * b} for {@code a, b >= 0}, or {@link Long#MAX_VALUE} when it overflows. */
    private static long saturatedMultiply(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        }
        catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    /** {@code a + b} for {@code a, b >= 0}, or {@link Long#MAX_VALUE} when it overflows. */
    private static long saturatedAdd(long a, long b) {
        try {
            return Math.addExact(a, b);
        }
        catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    private static long saturatedSubtract(long a, long b) {
        return a == Long.MAX_VALUE ? Long.MAX_VALUE : a - b;
    }
}
