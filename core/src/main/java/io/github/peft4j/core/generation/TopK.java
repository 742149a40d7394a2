package io.github.peft4j.core.generation;

/** Top-k selection over float arrays; ties go to the lower index (torch leaves their order unspecified). */
final class TopK {
    private TopK() {
    }

    /**
     * The positions (relative to {@code from}) of the {@code k} largest values of {@code values[from, to)}, best
     * first; fewer when the range is shorter. NaN never displaces a number.
     */
    static int[] select(float[] values, int from, int to, int k) {
        int capacity = Math.max(0, Math.min(k, to - from));
        if (capacity == 0) {
            return new int[0];
        }
        int[] positions = new int[capacity];
        float[] best = new float[capacity];
        int count = 0;
        for (int i = from; i < to; i++) {
            float value = values[i];
            if (count == capacity && !(value > best[count - 1])) {
                continue;
            }
            int slot = count < capacity ? count : capacity - 1;
            while (slot > 0 && value > best[slot - 1]) {
                best[slot] = best[slot - 1];
                positions[slot] = positions[slot - 1];
                slot--;
            }
            best[slot] = value;
            positions[slot] = i - from;
            if (count < capacity) {
                count++;
            }
        }
        return positions;
    }

    /** The position (relative to {@code from}) of the largest value of {@code values[from, to)}; the first on ties. */
    static int argmax(float[] values, int from, int to) {
        int best = from;
        for (int i = from + 1; i < to; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best - from;
    }
}
