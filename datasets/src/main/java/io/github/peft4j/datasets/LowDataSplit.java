package io.github.peft4j.datasets;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A low-data subset as in Li &amp; Liang's section 7.3: a training set of a few examples (50, 100, 200, 500)
 * and a dev set for early stopping 30% its size, both drawn from the full training data.
 *
 * <p>{@link #sample} draws inputs, not pairs: it shuffles the inputs ({@link Sample#group() groups}, in order
 * of first appearance) with {@link Random} seeded by {@code seed}, gives the first {@code size} to training and
 * the next {@link #devSize} to dev, and takes one reference of each, chosen by the same generator. So no source
 * appears twice or in both sets, and the same samples, size and seed give the same split on every JVM
 * ({@code Random}'s sequence is specified). Both lists keep the order of the full data.
 *
 * @param train {@code size} samples, each of a different input
 * @param dev {@link #devSize}{@code (size)} samples of further inputs
 */
public record LowDataSplit(List<Sample> train, List<Sample> dev) {
    public LowDataSplit {
        train = List.copyOf(train);
        dev = List.copyOf(dev);
    }

    /** The dev set's size for a training set of {@code size}: 30% of it, rounded half up, at least 1. */
    public static int devSize(int size) {
        return (int) Math.max(1, (size * 3L + 5) / 10);
    }

    /**
     * Draws a low-data split.
     *
     * @throws PeftException INVALID_ARGUMENT when {@code size} is not positive or the data has fewer than
     *     {@code size + devSize(size)} inputs
     */
    public static LowDataSplit sample(List<Sample> samples, int size, long seed) {
        if (size < 1) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "A low-data split needs at least 1 training example, not " + size);
        }
        Map<String, List<Integer>> indicesByGroup = new LinkedHashMap<>();
        for (int i = 0; i < samples.size(); i++) {
            indicesByGroup.computeIfAbsent(samples.get(i).group(), group -> new ArrayList<>()).add(i);
        }
        List<List<Integer>> groups = new ArrayList<>(indicesByGroup.values());
        int devSize = devSize(size);
        if (groups.size() < size + devSize) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "A low-data split of " + size + " training and "
                    + devSize + " dev examples needs " + (size + devSize) + " distinct inputs; the data has " + groups.size());
        }
        Random random = new Random(seed);
        shuffle(groups, random);
        List<Integer> train = new ArrayList<>(size);
        List<Integer> dev = new ArrayList<>(devSize);
        for (int i = 0; i < size + devSize; i++) {
            List<Integer> group = groups.get(i);
            (i < size ? train : dev).add(group.get(random.nextInt(group.size())));
        }
        return new LowDataSplit(inOrder(samples, train), inOrder(samples, dev));
    }

    /** Fisher–Yates from the end, spelled out so that the draw does not depend on a library's shuffle. */
    private static void shuffle(List<List<Integer>> groups, Random random) {
        for (int i = groups.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            List<Integer> swapped = groups.get(i);
            groups.set(i, groups.get(j));
            groups.set(j, swapped);
        }
    }

    private static List<Sample> inOrder(List<Sample> samples, List<Integer> indices) {
        return indices.stream().sorted(Comparator.naturalOrder()).map(samples::get).toList();
    }
}
