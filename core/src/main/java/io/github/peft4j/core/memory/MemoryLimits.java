package io.github.peft4j.core.memory;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.OperatingSystemMXBean;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * How much memory work may use, and the refusals of work beyond it. Sizes are computed with
 * {@link #saturatedMultiply} and {@link #saturatedAdd}, where an overflow is {@link Long#MAX_VALUE}, a size no
 * machine has: a huge option is then refused with what to lower instead of wrapping round to a small or negative
 * size, or failing deep in an allocation. Messages show sizes with {@link #bytes} and {@link #count}.
 *
 * @param heapBytes the most Java heap this JVM may use (where Java arrays are built)
 * @param machineBytes the machine's (or container's) physical memory
 * @param directBytes the most direct (off-heap) buffer memory this JVM may reserve: NDArrays created from Java data
 *     live there ({@code -XX:MaxDirectMemorySize}, by default as much as the heap)
 */
public record MemoryLimits(long heapBytes, long machineBytes, long directBytes) {
    /** The most elements one Java array can hold: the largest a JVM reliably allocates. */
    public static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private static final double TIB = 1L << 40;
    private static final double GIB = 1L << 30;
    private static final double MIB = 1L << 20;

    /** Limits whose direct buffer memory is as large as the heap, the JVM's default. */
    public MemoryLimits(long heapBytes, long machineBytes) {
        this(heapBytes, machineBytes, heapBytes);
    }

    /**
     * This JVM's maximum heap and direct buffer memory and the machine's physical memory ({@link Long#MAX_VALUE} where
     * the JVM cannot tell).
     */
    public static MemoryLimits current() {
        long machine = ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os && os.getTotalMemorySize() > 0
                ? os.getTotalMemorySize()
                : Long.MAX_VALUE;
        long heap = Runtime.getRuntime().maxMemory();
        return new MemoryLimits(heap, machine, maxDirectMemory(heap));
    }

    /** {@code -XX:MaxDirectMemorySize}, whose default (0) means as much as the heap. */
    private static long maxDirectMemory(long heap) {
        try {
            long option = Long.parseLong(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption("MaxDirectMemorySize").getValue());
            return option > 0 ? option : heap;
        }
        catch (RuntimeException notHotSpot) {
            return heap;
        }
    }

    /**
     * Refuses {@code bytes} of direct buffer memory beyond this JVM's: "{@code what} needs about 20.0 GiB of direct
     * memory {@code forWhat}, more than this JVM's 6.0 GiB; {@code remedy}, or give Java more (e.g.
     * JAVA_OPTS=-XX:MaxDirectMemorySize=30g)", the last part only where the machine has memory for that much.
     */
    public void requireDirectFits(String what, long bytes, String forWhat, String remedy) {
        if (bytes > directBytes) {
            String more = bytes * 1.5 < machineBytes ? ", or give Java more (e.g. JAVA_OPTS=-XX:MaxDirectMemorySize=" + (long) Math.ceil(bytes * 1.5 / GIB) + "g)" : "";
            throw outOfMemory(what + " needs " + about(bytes) + " of direct memory " + forWhat + ", more than this JVM's " + bytes(directBytes) + "; "
                    + remedy + more);
        }
    }

    /**
     * Refuses {@code bytes} beyond the machine's memory: "{@code what} needs about 12.0 GiB {@code forWhat}, more than
     * this machine's 8.0 GiB of memory; {@code remedy}".
     *
     * @param what what needs it, e.g. {@code Decoding 4 prompts with 5 beams}
     * @param forWhat what the bytes are for, e.g. {@code for the key/value cache alone}
     * @param remedy what to lower, e.g. {@code lower the beams (--beams)}
     */
    public void requireMachineFits(String what, long bytes, String forWhat, String remedy) {
        if (bytes > machineBytes) {
            throw outOfMemory(what + " needs " + about(bytes) + " " + forWhat + ", more than this machine's " + bytes(machineBytes) + " of memory; "
                    + remedy);
        }
    }

    /**
     * Refuses {@code bytes} of Java heap beyond this JVM's: "{@code what} needs about 3.0 GiB of Java heap
     * {@code forWhat}, more than this JVM's 2.0 GiB; {@code remedy}, or give Java more heap (e.g. JAVA_OPTS=-Xmx5g)",
     * the last part only where the machine has memory for that heap.
     */
    public void requireHeapFits(String what, long bytes, String forWhat, String remedy) {
        if (bytes > heapBytes) {
            String moreHeap = bytes < machineBytes ? ", or give Java more heap (e.g. JAVA_OPTS=-Xmx" + (long) Math.ceil(bytes * 1.5 / GIB) + "g)" : "";
            throw outOfMemory(what + " needs " + about(bytes) + " of Java heap " + forWhat + ", more than this JVM's " + bytes(heapBytes) + "; " + remedy
                    + moreHeap);
        }
    }

    /** An {@link StandardErrorCode#OUT_OF_MEMORY} error: work that does not fit memory or Java's array sizes. */
    public static PeftException outOfMemory(String message) {
        return new PeftException(StandardErrorCode.OUT_OF_MEMORY, message);
    }

    /** {@code a * b} for {@code a, b >= 0}, or {@link Long#MAX_VALUE} when it overflows. */
    public static long saturatedMultiply(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        }
        catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    /** {@code a + b} for {@code a, b >= 0}, or {@link Long#MAX_VALUE} when it overflows. */
    public static long saturatedAdd(long a, long b) {
        try {
            return Math.addExact(a, b);
        }
        catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    /** A byte size as messages show it: {@code 2.0 TiB}, {@code 1.5 GiB}, {@code 512 MiB}, or {@code more than 8 EiB} for a saturated one. */
    public static String bytes(long bytes) {
        if (bytes == Long.MAX_VALUE) {
            return "more than 8 EiB";
        }
        if (bytes >= TIB) {
            return String.format(Locale.ROOT, "%.1f TiB", bytes / TIB);
        }
        return bytes >= GIB ? String.format(Locale.ROOT, "%.1f GiB", bytes / GIB) : String.format(Locale.ROOT, "%.0f MiB", bytes / MIB);
    }

    /** A count as messages show it: {@code 2,147,483,639}, or {@code more than 2^63} for a saturated one. */
    public static String count(long value) {
        return value == Long.MAX_VALUE ? "more than 2^63" : String.format(Locale.ROOT, "%,d", value);
    }

    private static String about(long bytes) {
        return bytes == Long.MAX_VALUE ? bytes(bytes) : "about " + bytes(bytes);
    }
}
