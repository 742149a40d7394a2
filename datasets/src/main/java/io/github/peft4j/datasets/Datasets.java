package io.github.peft4j.datasets;

import io.github.peft4j.core.io.IoErrors;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The datasets of the paper by name, read from a directory laid out as they are published: the entry point of
 * {@code peft4j train --dataset NAME --data DIR}, {@code predict} and {@code evaluate}.
 *
 * <table>
 * <caption>Where each split is looked for, first match first</caption>
 * <tr><th>name</th><th>train</th><th>dev</th><th>test</th></tr>
 * <tr><td>{@code e2e}</td><td>{@code src1_train.txt}, {@code trainset.csv}</td>
 *     <td>{@code src1_valid.txt}, {@code devset.csv}</td><td>{@code src1_test.txt}, {@code testset_w_refs.csv}</td></tr>
 * <tr><td>{@code webnlg}</td><td>{@code train.json}, {@code xml/train/}, {@code train/}</td>
 *     <td>{@code dev.json}, {@code xml/dev/}, {@code dev/}</td>
 *     <td>{@code test.json}, {@code xml/test/testdata_with_lex.xml}, {@code test/testdata_with_lex.xml}</td></tr>
 * <tr><td>{@code dart}</td><td colspan="3">{@code dart-v1.1.1-full-SPLIT.json}, any other
 *     {@code dart-v1.1.1-full-SPLIT*.json} when it is the only one, {@code dart-v1.1.1-full-SPLIT.xml}</td></tr>
 * <tr><td>{@code xsum}</td><td colspan="3">{@code SPLIT.source} with {@code SPLIT.target}, then {@code SPLIT.jsonl}; the
 *     dev split may also be named {@code val}, {@code valid} or {@code validation}</td></tr>
 * <tr><td>{@code jsonl}</td><td colspan="3">{@code SPLIT.jsonl}, the dev split also as {@code val}, {@code valid} or
 *     {@code validation}</td></tr>
 * </table>
 *
 * <p>The paper's own files come first where both forms exist: they are what it trained on. E2E scores against the
 * official CSV references when they are there, as the E2E scorer does (the paper's src1 references are tokenized).
 */
public final class Datasets {
    /** The dataset names {@link #read} accepts. */
    public static final List<String> NAMES = List.of("e2e", "webnlg", "dart", "xsum", "jsonl");

    private static final List<String> DEV_ALIASES = List.of("dev", "val", "valid", "validation");
    private static final String DART_PREFIX = "dart-v1.1.1-full-";

    private Datasets() {}

    /**
     * Reads one split of a dataset.
     *
     * @param name one of {@link #NAMES}
     * @param dataDirectory the directory holding the dataset's files
     * @param split {@code train}, {@code dev} or {@code test}
     * @throws PeftException INVALID_ARGUMENT for an unknown name or split; FILE_NOT_FOUND when the directory or the
     *     split's files are missing, naming what was looked for; MALFORMED_DATASET for a bad file
     */
    public static DatasetSplit read(String name, Path dataDirectory, String split) {
        Split which = Split.fromLabel(split);
        if (!Files.isDirectory(dataDirectory)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "Data directory " + dataDirectory + " does not exist"
                    + " or is not a directory");
        }
        return switch (name) {
            case "e2e" -> readE2e(dataDirectory, which);
            case "webnlg" -> readWebNlg(dataDirectory, which);
            case "dart" -> readDart(dataDirectory, which);
            case "xsum" -> readXsum(dataDirectory, which);
            case "jsonl" -> readJsonl(dataDirectory, which);
            default -> throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Unknown dataset \"" + name
                    + "\"; choose one of " + String.join(", ", NAMES));
        };
    }

    private static DatasetSplit readE2e(Path directory, Split split) {
        String paper = switch (split) {
            case TRAIN -> "src1_train.txt";
            case DEV -> "src1_valid.txt";
            case TEST -> "src1_test.txt";
        };
        String official = switch (split) {
            case TRAIN -> "trainset.csv";
            case DEV -> "devset.csv";
            case TEST -> "testset_w_refs.csv";
        };
        boolean hasPaper = Files.isRegularFile(directory.resolve(paper));
        boolean hasOfficial = Files.isRegularFile(directory.resolve(official));
        if (hasPaper && hasOfficial) {
            // Train on the paper's (tokenized) texts, score against the official references, as the E2E scorer does:
            // the two forms list the same linearised MRs in the same order.
            DatasetSplit trained = E2eReader.readSrc1(directory.resolve(paper));
            return new DatasetSplit(trained.samples(), E2eReader.readCsv(directory.resolve(official)).evaluationItems());
        }
        if (hasPaper) {
            return E2eReader.readSrc1(directory.resolve(paper));
        }
        if (hasOfficial) {
            return E2eReader.readCsv(directory.resolve(official));
        }
        throw notFound("e2e", directory, split, List.of(paper, official),
                "the paper's src1_train.txt, src1_valid.txt, src1_test.txt (MR||reference per line) or the official "
                        + "trainset.csv, devset.csv, testset_w_refs.csv (columns mr,ref)");
    }

    private static DatasetSplit readWebNlg(Path directory, Split split) {
        String json = split.label() + ".json";
        if (Files.isRegularFile(directory.resolve(json))) {
            return WebNlgReader.readJson(directory.resolve(json));
        }
        List<String> xml = split == Split.TEST
                ? List.of("xml/test/testdata_with_lex.xml", "test/testdata_with_lex.xml")
                : List.of("xml/" + split.label() + "/", split.label() + "/");
        for (String candidate : xml) {
            if (Files.exists(directory.resolve(candidate))) {
                return WebNlgReader.readXml(directory.resolve(candidate));
            }
        }
        List<String> lookedFor = new ArrayList<>(List.of(json));
        lookedFor.addAll(xml);
        throw notFound("webnlg", directory, split, lookedFor,
                "the paper's train.json, dev.json, test.json or the official XML under xml/train/, xml/dev/ and "
                        + "xml/test/testdata_with_lex.xml");
    }

    private static DatasetSplit readDart(Path directory, Split split) {
        String exact = DART_PREFIX + split.label() + ".json";
        if (Files.isRegularFile(directory.resolve(exact))) {
            return DartReader.readJson(directory.resolve(exact));
        }
        String pattern = DART_PREFIX + split.label() + "*.json";
        List<Path> variants = list(directory, file -> file.startsWith(DART_PREFIX + split.label()) && file.endsWith(".json"));
        if (variants.size() == 1) {
            return DartReader.readJson(variants.get(0));
        }
        if (variants.size() > 1) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Several " + split.label() + " files of dart in "
                    + directory + " match " + pattern + ": " + variants.stream().map(path -> path.getFileName().toString()).toList()
                    + "; keep one, or name one " + exact);
        }
        String xml = DART_PREFIX + split.label() + ".xml";
        if (Files.isRegularFile(directory.resolve(xml))) {
            return DartReader.readXml(directory.resolve(xml));
        }
        throw notFound("dart", directory, split, List.of(exact, pattern, xml),
                "DART v1.1.1's dart-v1.1.1-full-train.json, -dev.json, -test.json (or the .xml files)");
    }

    private static DatasetSplit readXsum(Path directory, Split split) {
        List<String> lookedFor = new ArrayList<>();
        for (String base : baseNames(split)) {
            Path source = directory.resolve(base + ".source");
            Path target = directory.resolve(base + ".target");
            lookedFor.add(base + ".source + " + base + ".target");
            if (Files.isRegularFile(source)) {
                if (!Files.isRegularFile(target)) {
                    throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "Data file " + target + " does not exist; "
                            + source.getFileName() + " needs it, with the summary of its line i on line i");
                }
                return XsumReader.readLinePairs(source, target);
            }
        }
        Optional<Path> jsonl = firstJsonl(directory, split, lookedFor);
        if (jsonl.isPresent()) {
            return XsumReader.readJsonl(jsonl.get());
        }
        throw notFound("xsum", directory, split, lookedFor,
                "train.source/train.target, dev.source/dev.target (or val.*), test.source/test.target with one article "
                        + "or summary per line, or train.jsonl, dev.jsonl, test.jsonl of {\"document\", \"summary\"}");
    }

    private static DatasetSplit readJsonl(Path directory, Split split) {
        List<String> lookedFor = new ArrayList<>();
        return firstJsonl(directory, split, lookedFor)
                .map(JsonlReader::read)
                .orElseThrow(() -> notFound("jsonl", directory, split, lookedFor,
                        "train.jsonl, dev.jsonl and test.jsonl of {\"source\", \"target\"} text per line"));
    }

    private static Optional<Path> firstJsonl(Path directory, Split split, List<String> lookedFor) {
        for (String base : baseNames(split)) {
            lookedFor.add(base + ".jsonl");
            if (Files.isRegularFile(directory.resolve(base + ".jsonl"))) {
                return Optional.of(directory.resolve(base + ".jsonl"));
            }
        }
        return Optional.empty();
    }

    private static List<String> baseNames(Split split) {
        return split == Split.DEV ? DEV_ALIASES : List.of(split.label());
    }

    private static List<Path> list(Path directory, Predicate<String> fileName) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(path -> Files.isRegularFile(path) && fileName.test(path.getFileName().toString())).sorted().toList();
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "Cannot list data directory " + directory + ": " + IoErrors.describe(e), e);
        }
    }

    private static PeftException notFound(String name, Path directory, Split split, List<String> lookedFor, String layout) {
        return new PeftException(StandardErrorCode.FILE_NOT_FOUND, String.format(Locale.ROOT,
                "No %s split of %s in %s: looked for %s. The directory should hold %s.",
                split.label(), name, directory, String.join(", ", lookedFor), layout));
    }
}
