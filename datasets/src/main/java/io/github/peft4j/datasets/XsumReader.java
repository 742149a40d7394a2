package io.github.peft4j.datasets;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * XSUM (Narayan et al. 2018) and other summarisation data: the article is the source as it is, the summary
 * the target. An input is its article text.
 *
 * <p>Two forms: the line pairs of the Hugging Face seq2seq examples, which Li &amp; Liang used
 * ({@code train.source} with {@code train.target}: line i of one is the summary of line i of the other, both
 * files with the same number of lines and no blank line), and JSON Lines with {@code {"document", "summary"}}
 * (the Hugging Face dataset's fields) or {@code {"source", "target"}}.
 */
public final class XsumReader {
    static final JsonlReader.Fields DOCUMENT_SUMMARY = new JsonlReader.Fields("document", "summary");

    private XsumReader() {}

    /** Reads a {@code .source} file and its {@code .target} file line by line. */
    public static DatasetSplit readLinePairs(Path sourceFile, Path targetFile) {
        SplitBuilder split = new SplitBuilder();
        try (BufferedReader sources = DatasetFiles.open(sourceFile); BufferedReader targets = DatasetFiles.open(targetFile)) {
            int number = 0;
            while (true) {
                String source = nextLine(sources, sourceFile);
                String target = nextLine(targets, targetFile);
                if (source == null && target == null) {
                    break;
                }
                if (source == null || target == null) {
                    int sourceCount = source == null ? number : number + 1 + remainingLines(sources, sourceFile);
                    int targetCount = target == null ? number : number + 1 + remainingLines(targets, targetFile);
                    throw DatasetFiles.malformedFile(sourceFile, "has " + sourceCount + " lines but " + targetFile + " has "
                            + targetCount + "; line i of the .target file must be the summary of line i of the .source file");
                }
                number++;
                if (source.isBlank()) {
                    throw DatasetFiles.malformed(sourceFile, number, "the line is blank; every line must hold one article");
                }
                if (target.isBlank()) {
                    throw DatasetFiles.malformed(targetFile, number, "the line is blank; every line must hold one summary");
                }
                split.addPair(source, target, sourceFile + ":" + number);
            }
        }
        catch (IOException e) {
            throw DatasetFiles.readFailure(sourceFile, e);
        }
        return split.build(sourceFile);
    }

    /** Reads JSON Lines of {@code {"document", "summary"}} or {@code {"source", "target"}}. */
    public static DatasetSplit readJsonl(Path file) {
        return JsonlReader.read(file, List.of(DOCUMENT_SUMMARY, JsonlReader.SOURCE_TARGET));
    }

    private static String nextLine(BufferedReader reader, Path file) {
        try {
            return reader.readLine();
        }
        catch (IOException e) {
            throw DatasetFiles.readFailure(file, e);
        }
    }

    private static int remainingLines(BufferedReader reader, Path file) {
        int count = 0;
        while (nextLine(reader, file) != null) {
            count++;
        }
        return count;
    }
}
