package io.github.peft4j.datasets;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Collects a split as a reader finds it. Line formats add pairs, and an input is its source text: pairs with
 * the same source form one evaluation item. Structured formats (WebNLG, DART) add entries, and each entry is
 * its own input even when another entry has the same source, as in the official reference files.
 */
final class SplitBuilder {
    private final List<Sample> samples = new ArrayList<>();
    private final Map<String, List<String>> referencesBySource = new LinkedHashMap<>();
    private final List<EvaluationItem> entries = new ArrayList<>();

    /** One source and one of its references, from a line format, read at {@code where} ({@code file:line}). */
    void addPair(String source, String reference, String where) {
        samples.add(new Sample(source, reference, source, where));
        referencesBySource.computeIfAbsent(source, key -> new ArrayList<>()).add(reference);
    }

    /**
     * One entry of a structured format.
     *
     * @param references all of the entry's texts, for evaluation; at least one
     * @param trainingTargets the texts to train on, a subset of {@code references}
     * @param where where the entry was read, for messages
     */
    void addEntry(String source, List<String> references, List<String> trainingTargets, Optional<Category> category, String where) {
        addEntry(new EvaluationItem(source, references, category), trainingTargets, where);
    }

    /** One entry of a structured format, as its evaluation item and the texts to train on. */
    void addEntry(EvaluationItem item, List<String> trainingTargets, String where) {
        String group = Integer.toString(entries.size() + 1);
        for (String target : trainingTargets) {
            samples.add(new Sample(item.source(), target, group, where));
        }
        entries.add(item);
    }

    /** The split; a file that gave nothing is malformed. */
    DatasetSplit build(Path file) {
        List<EvaluationItem> items = new ArrayList<>(entries);
        referencesBySource.forEach((source, references) -> items.add(new EvaluationItem(source, references)));
        if (items.isEmpty()) {
            throw DatasetFiles.malformedFile(file, "holds no examples");
        }
        return new DatasetSplit(samples, items);
    }
}
