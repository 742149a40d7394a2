package io.github.peft4j.core.training;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.Arrays;

/**
 * One training pair as token ids: a decoder-only model reads {@code source + target} and is trained to predict
 * the target tokens only.
 */
public record TrainingExample(long[] source, long[] target) {
    public TrainingExample {
        source = source.clone();
        target = target.clone();
        if (target.length == 0) {
            throw new PeftException(StandardErrorCode.MALFORMED_DATASET, "A training example needs at least one target token");
        }
    }

    public int length() {
        return source.length + target.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TrainingExample that && Arrays.equals(source, that.source) && Arrays.equals(target, that.target);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(source) + Arrays.hashCode(target);
    }

    @Override
    public String toString() {
        return "TrainingExample[source=" + Arrays.toString(source) + ", target=" + Arrays.toString(target) + "]";
    }
}
