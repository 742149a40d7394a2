package io.github.peft4j.core.generation;

import com.sun.management.OperatingSystemMXBean;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.spi.StandardErrorCode;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Whether a decoding job fits before any of it runs: its new tokens must fit the model's positions, and its
 * {@code rows * numBeams} rows must fit Java's array sizes and, with their key/value cache, the machine's memory.
 * All sizes are computed in {@code long} with overflow checks, so that huge options are refused with what to
 * lower instead of wrapping, or failing deep in an allocation.
 */
final class DecodingBudget {
    private static final long FLOAT_BYTES = Float.BYTES;
    /** The largest Java array a JVM reliably allocates. */
    private static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private DecodingBudget() {}

    static void check(ModelGeometry geometry, ForwardInput prompt, AdapterHooks hooks, GenerationConfig config) {
        boolean encoderDecoder = prompt.decoderInputIds().isPresent();
        long rows = prompt.inputIds().getShape().get(0);
        long decoderWidth = (encoderDecoder ? prompt.decoderInputIds().get() : prompt.inputIds()).getShape().get(1);
        long encoderWidth = encoderDecoder ? prompt.inputIds().getShape().get(1) : 0;
        checkPositions(geometry, decoderWidth, hooks.positionOffset(Stack.DECODER), config.maxNewTokens());

        long beamRows = rows * config.numBeams();
        String lower = String.format(Locale.ROOT, "lower the beams (%d, --beams), the prompts decoded together (%d, --batch-size)", config.numBeams(), rows);
        long scores = multiply(beamRows, geometry.vocabSize());
        if (beamRows > MAX_ARRAY_LENGTH || scores > MAX_ARRAY_LENGTH) {
            throw outOfMemory(String.format(Locale.ROOT, "Decoding %d prompts with %d beams scores %d rows x %d tokens = %s values a step, more than"
                    + " one Java array holds (%d): %s", rows, config.numBeams(), beamRows, geometry.vocabSize(), decimal(scores), MAX_ARRAY_LENGTH, lower));
        }
        long heapNeeded = multiply(2 * FLOAT_BYTES, scores);
        long heap = Runtime.getRuntime().maxMemory();
        if (heapNeeded > heap) {
            throw outOfMemory(String.format(Locale.ROOT, "Decoding %d prompts with %d beams needs about %s of Java heap a step for the scores of %d x %d"
                    + " tokens, more than the %s this JVM may use: %s, or raise the heap (e.g. JAVA_OPTS=-Xmx8g)",
                    rows, config.numBeams(), bytes(heapNeeded), beamRows, geometry.vocabSize(), bytes(heap), lower));
        }
        long selfLength = prefixLength(hooks, AttentionSite.DECODER_SELF) + decoderWidth + config.maxNewTokens();
        long crossLength = encoderDecoder ? prefixLength(hooks, AttentionSite.DECODER_CROSS) + encoderWidth : 0;
        long perPosition = multiply(multiply(2L * geometry.decoderLayers(), geometry.hiddenSize()), FLOAT_BYTES);
        long cache = multiply(multiply(beamRows, selfLength + crossLength), perPosition);
        long memory = physicalMemory();
        if (cache > memory) {
            throw outOfMemory(String.format(Locale.ROOT, "Decoding %d prompts with %d beams and up to %d new tokens needs about %s for the key/value"
                    + " cache alone, more than this machine's %s of memory: %s or the new tokens (--max-new-tokens)",
                    rows, config.numBeams(), config.maxNewTokens(), bytes(cache), bytes(memory), lower));
        }
    }

    private static void checkPositions(ModelGeometry geometry, long promptWidth, int offset, int maxNewTokens) {
        // The prompt takes positions offset .. offset + width - 1 and every new token but the last is fed back.
        long needed = offset + promptWidth + maxNewTokens - 1;
        if (needed <= geometry.maxPositions()) {
            return;
        }
        String prompt = promptWidth + "-token prompt" + (offset > 0 ? " numbered from position " + offset + " (after the prefix)" : "");
        long fit = geometry.maxPositions() - offset - promptWidth + 1;
        throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, fit >= 1
                ? String.format(Locale.ROOT, "Up to %d new tokens (--max-new-tokens) after a %s need %d positions, but the model has %d:"
                        + " at most %d new tokens fit; lower --max-new-tokens to %d or shorten the prompt", maxNewTokens, prompt, needed,
                        geometry.maxPositions(), fit, fit)
                : String.format(Locale.ROOT, "A %s leaves no room for new tokens in the model's %d positions: shorten the prompt", prompt,
                        geometry.maxPositions()));
    }

    private static long prefixLength(AdapterHooks hooks, AttentionSite site) {
        return hooks.attentionPrefix(site, 0).map(KeyValuePrefix::length).orElse(0);
    }

    private static long physicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os && os.getTotalMemorySize() > 0) {
            return os.getTotalMemorySize();
        }
        return Long.MAX_VALUE;
    }

    /** {@code a * b}, or {@link Long#MAX_VALUE} where that overflows: a size no machine has. */
    private static long multiply(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        }
        catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static String decimal(long value) {
        return value == Long.MAX_VALUE ? "more than 9.2e18" : String.format(Locale.ROOT, "%,d", value);
    }

    private static String bytes(long value) {
        if (value == Long.MAX_VALUE) {
            return "more than 8 EiB";
        }
        double gib = value / (double) (1L << 30);
        return gib >= 1 ? String.format(Locale.ROOT, "%.1f GiB", gib) : String.format(Locale.ROOT, "%.0f MiB", value / (double) (1L << 20));
    }

    private static PeftException outOfMemory(String message) {
        return new PeftException(StandardErrorCode.OUT_OF_MEMORY, message);
    }
}
