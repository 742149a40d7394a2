package io.github.peft4j.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.peft4j.datasets.TripleXml.Lexicalisation;
import io.github.peft4j.spi.PeftException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * DART v1.1.1 (Nan et al. 2021) in Li &amp; Liang's linearisation: {@code s : p.lower() : o | s2 : p2 : o2}, the
 * property lowercased and a separator only between triples.
 *
 * <p>Every annotation is a training pair and a reference; an evaluation item is one entry, so that the items
 * line up with the official reference files (the test set has 5,097 entries but only 4,159 distinct sources).
 * Annotations with blank text carry nothing and are skipped (the 2021 test set has one, in entry 116).
 *
 * <p>Each item also carries its lines of DART's official BLEU reference files, {@code all-delex-reference0.lex}
 * to {@code 2.lex}, rebuilt from the entry as they were made (line for line identical to the published ones on
 * the v1.1.1 test set): the entry's first three texts in order, blank ones included, each tokenised as the WebNLG
 * challenge's {@code evaluation.py} does, an empty line for each text the entry lacks ({@link OfficialBleu#DART}).
 *
 * <p>Two forms give the same splits: the JSON ({@code dart-v1.1.1-full-*.json}: {@code [{"tripleset": [[s, p,
 * o], ...], "annotations": [{"source", "text"}, ...]}, ...]}) and the XML in WebNLG's format, whose triple parts
 * are trimmed as the JSON's are.
 */
public final class DartReader {
    private DartReader() {}

    /** Reads the JSON form. */
    public static DatasetSplit readJson(Path file) {
        SplitBuilder split = new SplitBuilder();
        int[] position = {0};
        JsonArrays.forEachElement(file, Optional.empty(), (entry, line) -> {
            String name = "entry " + ++position[0];
            JsonNode tripleSet = entry.get("tripleset");
            if (tripleSet == null || !tripleSet.isArray() || tripleSet.isEmpty()) {
                throw DatasetFiles.malformed(file, line, name + " has no \"tripleset\" with triples");
            }
            List<Triple> triples = new ArrayList<>();
            for (JsonNode triple : tripleSet) {
                if (!triple.isArray() || triple.size() != 3 || !triple.get(0).isTextual() || !triple.get(1).isTextual()
                        || !triple.get(2).isTextual()) {
                    throw DatasetFiles.malformed(file, line, name + " has a triple that is not [subject, property, object]: " + triple);
                }
                triples.add(new Triple(triple.get(0).asText(), triple.get(1).asText(), triple.get(2).asText()));
            }
            JsonNode annotations = entry.get("annotations");
            if (annotations == null || !annotations.isArray()) {
                throw DatasetFiles.malformed(file, line, name + " has no \"annotations\" array");
            }
            List<Lexicalisation> texts = new ArrayList<>();
            for (JsonNode annotation : annotations) {
                String text = JsonArrays.text(annotation, "text")
                        .orElseThrow(() -> DatasetFiles.malformed(file, line, name + " has an annotation without \"text\""));
                texts.add(new Lexicalisation(JsonArrays.text(annotation, "source").orElse(""), text));
            }
            addEntry(split, triples, texts, file + ":" + line, () -> DatasetFiles.malformed(file, line, name + " has no annotation text"));
        });
        return split.build(file);
    }

    /** Reads the XML form ({@code dart-v1.1.1-full-*.xml}). */
    public static DatasetSplit readXml(Path file) {
        SplitBuilder split = new SplitBuilder();
        for (TripleXml.Entry entry : TripleXml.read(file)) {
            addEntry(split, entry.triples(), entry.lexicalisations(), file + ": " + entry.name(),
                    () -> DatasetFiles.malformedEntry(file, entry.name(), "has no <lex> text"));
        }
        return split.build(file);
    }

    /** The paper's source string: {@code s : p.lower() : o} joined by {@code " | "}. */
    static String linearise(List<Triple> triples) {
        return String.join(" | ", triples.stream()
                .map(triple -> triple.subject() + " : " + triple.property().toLowerCase(Locale.ROOT) + " : " + triple.object())
                .toList());
    }

    private static void addEntry(SplitBuilder split, List<Triple> triples, List<Lexicalisation> lexicalisations, String where,
            Supplier<PeftException> withoutText) {
        List<String> texts = lexicalisations.stream().map(Lexicalisation::text).filter(text -> !text.isBlank()).toList();
        if (texts.isEmpty()) {
            throw withoutText.get();
        }
        String source = linearise(triples);
        List<String> officialBleuReferences = OfficialBleu.DART.referenceLines(lexicalisations.stream().map(Lexicalisation::text).toList());
        split.addEntry(new EvaluationItem(source, texts, Optional.empty(), officialBleuReferences), texts, where);
    }
}
