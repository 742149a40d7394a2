package io.github.peft4j.core.generation;

import java.util.Arrays;

/** Token sequences as the searches keep them: the decoder prompt followed by the tokens generated so far. */
final class Sequences {
    private Sequences() {
    }

    /** A copy of {@code sequence} with {@code token} appended. */
    static long[] extend(long[] sequence, long token) {
        long[] longer = Arrays.copyOf(sequence, sequence.length + 1);
        longer[sequence.length] = token;
        return longer;
    }

    /** The tokens after the first {@code promptLength}. */
    static long[] generatedPart(long[] sequence, int promptLength) {
        return Arrays.copyOfRange(sequence, promptLength, sequence.length);
    }
}
