package io.github.peft4j.core.generation;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/** A deterministic next-token distribution over a tiny vocabulary, given the whole decoder sequence so far. */
interface ToyLanguageModel {
    int vocabSize();

    /** Next-token logits after {@code sequence} (prompt followed by generated tokens). */
    float[] logits(long[] sequence);

    /** The log-softmax of {@link #logits}, computed independently in double precision. */
    default double[] logProbs(long[] sequence) {
        float[] logits = logits(sequence);
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double sum = 0;
        for (float logit : logits) {
            sum += Math.exp(logit - max);
        }
        double logSum = max + Math.log(sum);
        double[] logProbs = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            logProbs[i] = logits[i] - logSum;
        }
        return logProbs;
    }

    /**
     * Logits that depend on the last two tokens only (a missing one counts as token 0), drawn once from a seeded
     * normal distribution with standard deviation {@code spread}.
     */
    static ToyLanguageModel trigram(int vocabSize, long seed, double spread) {
        Random random = new Random(seed);
        float[][] table = new float[vocabSize * vocabSize][vocabSize];
        for (float[] row : table) {
            for (int i = 0; i < vocabSize; i++) {
                row[i] = (float) (random.nextGaussian() * spread);
            }
        }
        return new ToyLanguageModel() {
            @Override
            public int vocabSize() {
                return vocabSize;
            }

            @Override
            public float[] logits(long[] sequence) {
                int length = sequence.length;
                long previous = length >= 2 ? sequence[length - 2] : 0;
                long last = length >= 1 ? sequence[length - 1] : 0;
                return table[(int) (previous * vocabSize + last)].clone();
            }
        };
    }

    /**
     * Next-token probabilities written out per sequence (keys like {@code "0 1"}: prompt and generated tokens
     * separated by spaces); every other sequence gets {@code fallback}. Logits are the natural logs.
     */
    static ToyLanguageModel scripted(double[] fallback, Map<String, double[]> probabilities) {
        int vocabSize = fallback.length;
        return new ToyLanguageModel() {
            @Override
            public int vocabSize() {
                return vocabSize;
            }

            @Override
            public float[] logits(long[] sequence) {
                String key = LongStream.of(sequence).mapToObj(Long::toString).collect(Collectors.joining(" "));
                double[] p = probabilities.getOrDefault(key, fallback);
                float[] logits = new float[vocabSize];
                for (int i = 0; i < vocabSize; i++) {
                    logits[i] = (float) Math.log(p[i]);
                }
                return logits;
            }
        };
    }

    static long[] concat(long[] prompt, List<Long> generated) {
        long[] sequence = Arrays.copyOf(prompt, prompt.length + generated.size());
        for (int i = 0; i < generated.size(); i++) {
            sequence[prompt.length + i] = generated.get(i);
        }
        return sequence;
    }
}
