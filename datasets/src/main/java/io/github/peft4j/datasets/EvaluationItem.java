package io.github.peft4j.datasets;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * One input of an evaluation split with every reference text it has: the model generates once per item and
 * is scored against all of its references.
 *
 * @param source the linearised input, as in {@link Sample#source()}
 * @param references the reference texts in file order; at least one
 * @param category the input's category where the dataset has seen and unseen ones (WebNLG), else empty
 */
public record EvaluationItem(String source, List<String> references, Optional<Category> category) {
    public EvaluationItem {
        requireNonNull(source, "source");
        references = List.copyOf(references);
        requireNonNull(category, "category");
        if (references.isEmpty()) {
            throw new IllegalArgumentException("An evaluation item needs at least one reference: " + source);
        }
    }

    /** An item without a category. */
    public EvaluationItem(String source, List<String> references) {
        this(source, references, Optional.empty());
    }
}
