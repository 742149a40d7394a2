package io.github.peft4j.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.peft4j.datasets.TripleXml.Lexicalisation;
import io.github.peft4j.spi.PeftException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The WebNLG Challenge 2017 data in Li &amp; Liang's linearisation: {@code " | s : p : o | s2 : p2 : o2"}, a
 * separator before every triple of the modified triple set, property case kept.
 *
 * <p>Training pairs use only the lexicalisations whose comment is {@code good} (18,025 of the 18,102 training
 * texts); an evaluation item is one entry with all of its lexicalisations. Every item carries its category,
 * marked seen when it is one of the ten categories of the training data ({@link #SEEN_CATEGORIES}); the test
 * set adds five unseen ones (Artist, Athlete, CelestialBody, MeanOfTransportation, Politician). Items also carry
 * their lines of the challenge's BLEU reference files ({@link OfficialBleu#WEBNLG_CHALLENGE}): the first three
 * lexicalisations, whatever their comment.
 *
 * <p>Two forms give the same splits: the paper's JSON ({@code train.json}, {@code dev.json}, {@code test.json})
 * and the official XML ({@code xml/train/**.xml}, one file per size and category, read in path order, which is
 * the JSON's order; {@code xml/test/testdata_with_lex.xml}).
 */
public final class WebNlgReader {
    /** The ten categories of WebNLG 2017's training and development data. */
    public static final Set<String> SEEN_CATEGORIES = Set.of(
            "Airport", "Astronaut", "Building", "City", "ComicsCharacter",
            "Food", "Monument", "SportsTeam", "University", "WrittenWork");

    private static final String GOOD = "good";

    private WebNlgReader() {}

    /**
     * Reads the paper's JSON: {@code {"entries": [{"1": {"category", "modifiedtripleset": [{"subject",
     * "property", "object"}], "lexicalisations": [{"comment", "lex"}]}}, ...]}}.
     */
    public static DatasetSplit readJson(Path file) {
        SplitBuilder split = new SplitBuilder();
        JsonArrays.forEachElement(file, Optional.of("entries"), (wrapper, line) -> {
            if (!wrapper.isObject() || wrapper.size() != 1) {
                throw DatasetFiles.malformed(file, line, "an entry must be an object with one key, e.g. {\"1\": {...}}");
            }
            Map.Entry<String, JsonNode> keyed = wrapper.properties().iterator().next();
            String name = "entry \"" + keyed.getKey() + "\"";
            JsonNode entry = keyed.getValue();
            String category = JsonArrays.text(entry, "category")
                    .orElseThrow(() -> DatasetFiles.malformed(file, line, name + " has no \"category\" text"));
            List<Triple> triples = jsonTriples(file, line, name, entry.get("modifiedtripleset"));
            JsonNode lexicalisations = entry.get("lexicalisations");
            if (lexicalisations == null || !lexicalisations.isArray()) {
                throw DatasetFiles.malformed(file, line, name + " has no \"lexicalisations\" array");
            }
            List<Lexicalisation> texts = new ArrayList<>();
            for (JsonNode lexicalisation : lexicalisations) {
                String text = JsonArrays.text(lexicalisation, "lex").orElseThrow(() -> DatasetFiles.malformed(file, line,
                        name + " has a lexicalisation without \"lex\" text"));
                texts.add(new Lexicalisation(JsonArrays.text(lexicalisation, "comment").orElse(""), text));
            }
            addEntry(split, category, triples, texts, file + ":" + line, () -> DatasetFiles.malformed(file, line, name + " has no lexicalisation text"));
        });
        return split.build(file);
    }

    /**
     * Reads the official XML: one file, or every {@code .xml} file below a directory in path order (for the test
     * set give {@code testdata_with_lex.xml} itself: its folder also holds the unseen subset and a copy without
     * texts).
     */
    public static DatasetSplit readXml(Path fileOrDirectory) {
        SplitBuilder split = new SplitBuilder();
        for (Path file : xmlFiles(fileOrDirectory)) {
            for (TripleXml.Entry entry : TripleXml.read(file)) {
                String category = entry.category()
                        .orElseThrow(() -> DatasetFiles.malformedEntry(file, entry.name(), "has no category attribute"));
                addEntry(split, category, entry.triples(), entry.lexicalisations(), file + ": " + entry.name(),
                        () -> DatasetFiles.malformedEntry(file, entry.name(), "has no lexicalisation text"));
            }
        }
        return split.build(fileOrDirectory);
    }

    /** The paper's source string: {@code " | s : p : o"} for every triple. */
    static String linearise(List<Triple> triples) {
        StringBuilder source = new StringBuilder();
        for (Triple triple : triples) {
            source.append(" | ").append(triple.subject()).append(" : ").append(triple.property()).append(" : ").append(triple.object());
        }
        return source.toString();
    }

    /** Adds one entry; an entry without any text to evaluate against is malformed. */
    private static void addEntry(SplitBuilder split, String category, List<Triple> triples, List<Lexicalisation> lexicalisations,
            String where, Supplier<PeftException> withoutText) {
        List<String> references = lexicalisations.stream().map(Lexicalisation::text).filter(text -> !text.isBlank()).toList();
        if (references.isEmpty()) {
            throw withoutText.get();
        }
        List<String> good = lexicalisations.stream()
                .filter(lexicalisation -> GOOD.equals(lexicalisation.comment()) && !lexicalisation.text().isBlank())
                .map(Lexicalisation::text)
                .toList();
        List<String> officialBleuReferences = OfficialBleu.WEBNLG_CHALLENGE.referenceLines(lexicalisations.stream().map(Lexicalisation::text).toList());
        split.addEntry(new EvaluationItem(linearise(triples), references, Optional.of(new Category(category, SEEN_CATEGORIES.contains(category))),
                officialBleuReferences), good, where);
    }

    private static List<Triple> jsonTriples(Path file, int line, String name, JsonNode tripleSet) {
        if (tripleSet == null || !tripleSet.isArray() || tripleSet.isEmpty()) {
            throw DatasetFiles.malformed(file, line, name + " has no \"modifiedtripleset\" with triples");
        }
        List<Triple> triples = new ArrayList<>();
        for (JsonNode triple : tripleSet) {
            Optional<String> subject = JsonArrays.text(triple, "subject");
            Optional<String> property = JsonArrays.text(triple, "property");
            Optional<String> object = JsonArrays.text(triple, "object");
            if (subject.isEmpty() || property.isEmpty() || object.isEmpty()) {
                throw DatasetFiles.malformed(file, line, name + " has a triple without \"subject\", \"property\" and \"object\" texts: " + triple);
            }
            triples.add(new Triple(subject.get(), property.get(), object.get()));
        }
        return triples;
    }

    private static List<Path> xmlFiles(Path fileOrDirectory) {
        if (!Files.isDirectory(fileOrDirectory)) {
            return List.of(fileOrDirectory);
        }
        try (Stream<Path> walk = Files.walk(fileOrDirectory)) {
            List<Path> files = walk
                    .filter(path -> Files.isRegularFile(path) && path.getFileName().toString().endsWith(".xml"))
                    .sorted((a, b) -> fileOrDirectory.relativize(a).toString().compareTo(fileOrDirectory.relativize(b).toString()))
                    .toList();
            if (files.isEmpty()) {
                throw DatasetFiles.malformedFile(fileOrDirectory, "holds no .xml files");
            }
            return files;
        }
        catch (IOException e) {
            throw DatasetFiles.readFailure(fileOrDirectory, e);
        }
    }
}
