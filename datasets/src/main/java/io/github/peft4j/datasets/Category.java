package io.github.peft4j.datasets;

import static java.util.Objects.requireNonNull;

/**
 * The category of a WebNLG input and whether the training data covers it: WebNLG reports scores on the seen
 * categories, the unseen ones and all.
 *
 * @param name the category as the data names it, e.g. {@code Airport}
 * @param seen whether the category is one of the training categories
 */
public record Category(String name, boolean seen) {
    public Category {
        requireNonNull(name, "name");
    }
}
