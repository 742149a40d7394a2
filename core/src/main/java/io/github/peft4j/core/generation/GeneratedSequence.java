package io.github.peft4j.core.generation;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;

/**
 * One decoded output of one input row.
 *
 * @param tokens the generated tokens only (no prompt), the end-of-sequence token included when one was emitted
 * @param score greedy: the sum of the tokens' log-probabilities; beam search: that sum divided by
 *     {@code tokens.length ^ lengthPenalty}, as Hugging Face reports {@code sequences_scores}
 */
public record GeneratedSequence(long[] tokens, double score) {
    public GeneratedSequence {
        tokens = requireNonNull(tokens, "tokens").clone();
    }

    @Override
    public long[] tokens() {
        return tokens.clone();
    }

    /** Number of generated tokens, the end-of-sequence token included. */
    public int length() {
        return tokens.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof GeneratedSequence that
                && Arrays.equals(tokens, that.tokens)
                && Double.compare(score, that.score) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(tokens) + Double.hashCode(score);
    }

    @Override
    public String toString() {
        return "GeneratedSequence[tokens=" + Arrays.toString(tokens) + ", score=" + score + "]";
    }
}
