package io.github.peft4j.core.adapter;

import static io.github.peft4j.core.memory.MemoryLimits.MAX_ARRAY_LENGTH;
import static io.github.peft4j.core.memory.MemoryLimits.count;
import static io.github.peft4j.core.memory.MemoryLimits.saturatedMultiply;
import static java.util.Objects.requireNonNull;

import io.github.peft4j.core.memory.MemoryLimits;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;

/**
 * Checks an adapter makes on the sizes of its virtual tokens before it allocates anything: that the model has
 * positions left for real tokens after them, that each array can be indexed, and that the whole fits in memory. Every
 * failure names what decided the size (a setting, with the {@code peft4j train} option that sets it, or a file) and
 * what to change.
 */
public final class AdapterSizes {
    private AdapterSizes() {}

    /**
     * What decided a size, for messages.
     *
     * @param value the size
     * @param what how the message names it, e.g. {@code length = 20 (--prefix-length, --lengths or --set length)} or {@code the 20 rows of
     *     'x' in /a/b.safetensors}
     * @param remedy what to do about it, e.g. {@code lower length (--prefix-length, --lengths or --set length)}
     */
    public record Source(long value, String what, String remedy) {
        public Source {
            requireNonNull(what, "what");
            requireNonNull(remedy, "remedy");
        }

        /** A setting's value (given, or its default). */
        public static Source setting(String key, long value) {
            return new Source(value, Settings.shown(key, value), "lower " + Settings.shown(key));
        }
    }

    /**
     * Refuses virtual tokens after which the model has no position left for a real token, for an adapter that numbers
     * real tokens after its virtual ones.
     */
    public static void checkPositions(Source length, ModelGeometry geometry) {
        int positions = geometry.maxPositions();
        if (length.value() >= positions) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, length.what() + ": real tokens are numbered after the " + count(length.value())
                    + " virtual tokens, but the model has " + count(positions) + " positions; " + length.remedy() + ": at most "
                    + count(positions - 1L) + " virtual tokens fit, fewer by the tokens of the longest row");
        }
    }

    /** Refuses tokens the model is to read in one pass (e.g. words to start from) that are more than its positions. */
    public static void checkReadable(Source tokens, ModelGeometry geometry) {
        int positions = geometry.maxPositions();
        if (tokens.value() > positions) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, tokens.what() + " are read by the model in one pass, which numbers at most "
                    + count(positions) + " positions; " + tokens.remedy());
        }
    }

    /**
     * Refuses an array {@code name [rows, columns]} with more elements than one array can index (starting values pass
     * through Java's int-indexed {@code float[]}).
     *
     * @param cause what decided the size that makes it too large
     * @param other the other dimension, by which the cause's value is multiplied (for the largest value that fits)
     */
    public static void checkArray(String name, long rows, long columns, Source cause, long other) {
        long elements = saturatedMultiply(rows, columns);
        if (elements > MAX_ARRAY_LENGTH) {
            throw MemoryLimits.outOfMemory(cause.what() + " makes " + name + " [" + rows + ", " + columns + "] hold " + count(elements) + " numbers, more"
                    + " than one array can index (" + count(MAX_ARRAY_LENGTH) + "); " + cause.remedy() + ": at most "
                    + count(MAX_ARRAY_LENGTH / Math.max(1, other)) + " fit");
        }
    }

    /**
     * Refuses work that cannot fit in memory: {@code heapBytes} of starting values built on the Java heap, and
     * {@code totalBytes} in all (the heap's share included, since the values are then copied to the engine). Sizes
     * are doubles: they only need to be about right, and cannot overflow.
     *
     * @param what what needs it, e.g. {@code A prefix with length = 20 (--prefix-length, --lengths or --set length) and mlp-width = 512 (--mlp-width or --set mlp-width)}
     * @param needs what the bytes are, e.g. {@code 1,000 parameters and the rows each pass computes, 4 bytes each}
     * @param remedy what to lower
     */
    public static void checkMemory(String what, double heapBytes, double totalBytes, String needs, String remedy, MemoryLimits limits) {
        // A double beyond a long casts to Long.MAX_VALUE: a saturated size, as MemoryLimits expects.
        limits.requireMachineFits(what, (long) totalBytes, "(" + needs + ")", remedy);
        limits.requireHeapFits(what, (long) heapBytes, "for its starting values (" + needs + ")", remedy);
    }
}
