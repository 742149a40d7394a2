package io.github.peft4j.datasets.metrics;

import java.util.Objects;

/**
 * ROUGE-1, ROUGE-2 and ROUGE-L (sentence-level LCS, not ROUGE-Lsum) of Google {@code rouge_score}, for one example or
 * averaged over a corpus by {@link RougeScore}; each on a 0..1 scale.
 *
 * @param rouge1 unigram overlap
 * @param rouge2 bigram overlap
 * @param rougeL longest common subsequence
 */
public record RougeScores(RougeMeasure rouge1, RougeMeasure rouge2, RougeMeasure rougeL) {
    public RougeScores {
        Objects.requireNonNull(rouge1, "rouge1");
        Objects.requireNonNull(rouge2, "rouge2");
        Objects.requireNonNull(rougeL, "rougeL");
    }
}
