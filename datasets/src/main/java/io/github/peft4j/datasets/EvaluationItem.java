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
 * @param officialBleuReferences the item's line in each reference file of the dataset's official BLEU script,
 *     pre-processed as those files are (DART: {@code all-delex-reference0.lex} to {@code 2.lex}, an empty line
 *     where the entry has fewer texts); empty when the dataset has no such files
 */
public record EvaluationItem(String source, List<String> references, Optional<Category> category, List<String> officialBleuReferences) {
    public EvaluationItem {
        requireNonNull(source, "source");
        references = List.copyOf(references);
        requireNonNull(category, "category");
        officialBleuReferences = List.copyOf(officialBleuReferences);
        if (references.isEmpty()) {
            throw new IllegalArgumentException("An evaluation item needs at least one reference: " + source);
        }
    }

    /** An item without official reference lines. */
    public EvaluationItem(String source, List<String> references, Optional<Category> category) {
        this(source, references, category, List.of());
    }

    /** An item without a category. */
    public EvaluationItem(String source, List<String> references) {
        this(source, references, Optional.empty());
    }
}
