package io.github.peft4j.core.model;

import static io.github.peft4j.core.memory.MemoryLimits.MAX_ARRAY_LENGTH;
import static io.github.peft4j.core.memory.MemoryLimits.count;
import static io.github.peft4j.core.memory.MemoryLimits.saturatedAdd;
import static io.github.peft4j.core.memory.MemoryLimits.saturatedMultiply;

import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.memory.MemoryLimits;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Whether a random model of the asked sizes can be built, worked out from the sizes alone: listing its tensors for
 * 100,000,000 layers, or allocating a 2^40-element embedding, would take minutes or fail in the middle.
 */
public final class RandomModelSizes {
    private static final String REMEDY = "ask for fewer layers (--layers) or smaller sizes (--hidden, --vocab, --positions)";

    private RandomModelSizes() {}

    /**
     * Refuses with {@link StandardErrorCode#OUT_OF_MEMORY} a model one of whose tensors would exceed a Java array, or
     * whose float32 weights would exceed the machine's memory or this JVM's direct memory (the writer holds them all
     * there before writing), or whose largest tensor does not fit the Java heap it is built in.
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
        long largest = 0;
        for (Map.Entry<String, Shape> tensor : shapesFor.apply(ones).entrySet()) {
            long elements = elements(tensor.getValue());
            largest = Math.max(largest, elements);
            if (elements > MAX_ARRAY_LENGTH) {
                throw MemoryLimits.outOfMemory(String.format(Locale.ROOT, "A random %s of these sizes would have a tensor '%s' of %s elements; one"
                        + " tensor is built as one Java array of at most %,d elements. Ask for smaller sizes", model, tensor.getKey(), count(elements),
                        MAX_ARRAY_LENGTH));
            }
        }
        // Each tensor is built as a Java array, then copied into direct memory, where all of them stay until written.
        MemoryLimits limits = MemoryLimits.current();
        String what = "A random " + model + " of these sizes";
        long bytes = saturatedMultiply(total, Float.BYTES);
        String forWhat = "(" + count(total) + " parameters as float32, all held in memory while it is written)";
        limits.requireMachineFits(what, bytes, forWhat, REMEDY);
        limits.requireDirectFits(what, bytes, forWhat, REMEDY);
        limits.requireHeapFits(what, saturatedMultiply(largest, Float.BYTES), "(its largest tensor, built as one Java array)", REMEDY);
    }

    /**
     * The feed-forward width of a random model with hidden size {@code hidden}: {@code 4 * hidden}, as GPT-2 and BART
     * make it, refused with {@link StandardErrorCode#OUT_OF_MEMORY} when that exceeds an int.
     */
    public static int feedForwardWidth(String model, int hidden) {
        long width = 4L * hidden;
        if (width > Integer.MAX_VALUE) {
            throw MemoryLimits.outOfMemory(String.format(Locale.ROOT, "A random %s with hidden size %,d would have feed-forward layers 4 * %,d"
                    + " = %,d wide, more than peft4j supports (%,d). Ask for a smaller hidden size", model, hidden, hidden, width, Integer.MAX_VALUE));
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

    private static long saturatedSubtract(long a, long b) {
        return a == Long.MAX_VALUE ? Long.MAX_VALUE : a - b;
    }
}
