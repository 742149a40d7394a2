package io.github.peft4j.core.adapter;

import static java.util.Objects.requireNonNull;

import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.Locale;

/**
 * Checks an adapter makes on the sizes of its virtual tokens before it allocates anything: that the model has
 * positions left for real tokens after them, that each array can be indexed, and that the whole fits in memory. Every
 * failure names what decided the size (a setting, with the {@code peft4j train} option that sets it, or a file) and
 * what to change.
 */
public final class AdapterSizes {
    /** The most elements one array may have: starting values pass through Java's int-indexed {@code float[]}. */
    public static final long MAX_ARRAY_ELEMENTS = Integer.MAX_VALUE - 8;

    private static final double GIB = 1L << 30;

    private AdapterSizes() {}

    /**
     * What decided a size, for messages.
     *
     * @param value the size
     * @param what how the message names it, e.g. {@code length = 20 (--prefix-length)} or {@code the 20 rows of
     *     'x' in /a/b.safetensors}
     * @param remedy what to do about it, e.g. {@code lower length (--prefix-length)}
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

    /** How much memory this JVM may use: its heap (where starting values are built) and the machine's memory. */
    public record Limits(long heapBytes, long machineBytes) {
        /** This JVM's maximum heap and the machine's (or container's) physical memory. */
        public static Limits current() {
            OperatingSystemMXBean system = ManagementFactory.getOperatingSystemMXBean();
            long machine = system instanceof com.sun.management.OperatingSystemMXBean os ? os.getTotalMemorySize() : Long.MAX_VALUE;
            return new Limits(Runtime.getRuntime().maxMemory(), machine);
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

    /** {@code rows x columns}, or -1 when that overflows a long. */
    public static long elements(long rows, long columns) {
        try {
            return Math.multiplyExact(rows, columns);
        }
        catch (ArithmeticException e) {
            return -1;
        }
    }

    /**
     * Refuses an array {@code name [rows, columns]} with more elements than one array can index.
     *
     * @param cause what decided the size that makes it too large
     * @param other the other dimension, by which the cause's value is multiplied (for the largest value that fits)
     */
    public static void checkArray(String name, long rows, long columns, Source cause, long other) {
        long elements = elements(rows, columns);
        if (elements < 0 || elements > MAX_ARRAY_ELEMENTS) {
            String held = elements < 0 ? "more numbers than a 64-bit count holds" : count(elements) + " numbers";
            throw new PeftException(StandardErrorCode.OUT_OF_MEMORY, cause.what() + " makes " + name + " [" + rows + ", " + columns + "] hold " + held
                    + ", more than one array can index (" + count(MAX_ARRAY_ELEMENTS) + "); " + cause.remedy() + ": at most "
                    + count(MAX_ARRAY_ELEMENTS / Math.max(1, other)) + " fit");
        }
    }

    /**
     * Refuses work that cannot fit in memory: {@code heapBytes} of starting values built on the Java heap, and
     * {@code totalBytes} in all (the heap's share included, since the values are then copied to the engine). Sizes
     * are doubles: they only need to be about right, and cannot overflow.
     *
     * @param what what needs it, e.g. {@code A prefix with length = 20 (--prefix-length) and mlp-width = 512 (--mlp-width)}
     * @param needs what the bytes are, e.g. {@code 1,000 parameters and the rows each pass computes, 4 bytes each}
     * @param remedy what to lower
     */
    public static void checkMemory(String what, double heapBytes, double totalBytes, String needs, String remedy, Limits limits) {
        if (totalBytes > limits.machineBytes()) {
            throw new PeftException(StandardErrorCode.OUT_OF_MEMORY, what + " needs about " + gib(totalBytes) + " (" + needs + "), more than this machine's "
                    + gib(limits.machineBytes()) + " of memory; " + remedy);
        }
        if (heapBytes > limits.heapBytes()) {
            throw new PeftException(StandardErrorCode.OUT_OF_MEMORY, what + " needs about " + gib(heapBytes) + " of Java heap for its starting values ("
                    + needs + "), more than this JVM's " + gib(limits.heapBytes()) + "; " + remedy + ", or give Java more heap (e.g. JAVA_OPTS=-Xmx"
                    + (long) Math.ceil(heapBytes * 1.5 / GIB) + "g)");
        }
    }

    private static String gib(double bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / GIB);
    }

    /** {@code value} with thousands separators, as messages show counts. */
    public static String count(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }
}
