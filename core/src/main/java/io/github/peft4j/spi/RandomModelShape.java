package io.github.peft4j.spi;

import static java.util.Objects.requireNonNull;

import java.util.OptionalInt;

/**
 * The shape of a random checkpoint to create ({@link BackendProvider#writeRandomModel}): a named preset of the
 * backend, with any dimension overridden.
 */
public record RandomModelShape(
        String preset,
        OptionalInt layers,
        OptionalInt hiddenSize,
        OptionalInt heads,
        OptionalInt vocabSize,
        OptionalInt positions) {
    public RandomModelShape {
        requireNonNull(preset, "preset");
        for (OptionalInt value : new OptionalInt[] {layers, hiddenSize, heads, vocabSize, positions}) {
            if (requireNonNull(value).isPresent() && value.getAsInt() <= 0) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Model dimensions must be positive; got " + value.getAsInt());
            }
        }
    }

    public static RandomModelShape preset(String preset) {
        return new RandomModelShape(preset, OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty());
    }
}
