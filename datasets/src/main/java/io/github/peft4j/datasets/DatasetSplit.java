package io.github.peft4j.datasets;

import java.util.List;

/**
 * One split of a dataset, read and linearised, in two views: pairs to train on and inputs to evaluate on.
 *
 * @param samples the training pairs in file order, one per usable reference (WebNLG: only the lexicalisations
 *     marked {@code good})
 * @param evaluationItems the inputs in order of first appearance, each with all of its references (WebNLG:
 *     every lexicalisation)
 */
public record DatasetSplit(List<Sample> samples, List<EvaluationItem> evaluationItems) {
    public DatasetSplit {
        samples = List.copyOf(samples);
        evaluationItems = List.copyOf(evaluationItems);
    }

    /** The sources of the evaluation items, in their order: what a prediction run generates from. */
    public List<String> sources() {
        return evaluationItems.stream().map(EvaluationItem::source).toList();
    }

    /** The number of references over all evaluation items. */
    public int referenceCount() {
        return evaluationItems.stream().mapToInt(item -> item.references().size()).sum();
    }
}
