package io.github.peft4j.core.memory;

import ai.djl.engine.EngineException;
import java.util.Locale;
import java.util.Optional;

/**
 * Memory that ran out while work ran, although the sizes were checked beforehand: a full Java heap, or PyTorch's
 * allocator refusing a request. Every front end reports it as {@link io.github.peft4j.spi.StandardErrorCode#OUT_OF_MEMORY},
 * a user error (the work asked for is too large for this machine), not as a defect.
 *
 * @param description what ran out, e.g. {@code "PyTorch could not allocate memory (not enough memory: you tried to allocate ...)"}
 * @param javaHeap whether it was the Java heap, which a larger {@code -Xmx} would help
 */
public record AllocationFailure(String description, boolean javaHeap) {
    /** The allocation failure {@code throwable} is or was caused by, if any. */
    public static Optional<AllocationFailure> of(Throwable throwable) {
        if (throwable instanceof OutOfMemoryError) {
            return Optional.of(new AllocationFailure("Java ran out of heap memory (" + throwable.getMessage() + ")", true));
        }
        // DJL reports c10's refusal as an engine exception carrying its message ("DefaultCPUAllocator: not enough memory: you
        // tried to allocate ...", "CUDA out of memory"), possibly wrapped.
        for (Throwable cause = throwable; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof EngineException engine && engine.getMessage() != null) {
                String message = engine.getMessage().toLowerCase(Locale.ROOT);
                if (message.contains("not enough memory") || message.contains("out of memory") || message.contains("could not allocate")
                        || message.contains("failed to allocate")) {
                    return Optional.of(new AllocationFailure("PyTorch could not allocate memory (" + reason(engine.getMessage()) + ")", false));
                }
            }
        }
        return Optional.empty();
    }

    /** The first line of c10's message without its source location ("[enforce fail at alloc_cpu.cpp:118] data. "). */
    private static String reason(String message) {
        String line = message.lines().findFirst().orElse("").replaceFirst("^\\[enforce fail at [^\\]]*\\]\\s*(data\\.\\s*)?", "").strip();
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
