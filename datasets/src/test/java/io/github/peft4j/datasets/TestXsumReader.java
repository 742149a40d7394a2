package io.github.peft4j.datasets;

import static io.github.peft4j.datasets.Fixtures.assertMalformed;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestXsumReader {
    @TempDir
    Path temp;

    @Test
    void linePairsGiveOnePairPerLine() {
        Path source = Fixtures.write(temp, "test.source", "The council met on Monday. It voted.\nA storm hit the coast.\n");
        Path target = Fixtures.write(temp, "test.target", "A council voted.\nStorm hits coast.\n");

        DatasetSplit split = XsumReader.readLinePairs(source, target);

        assertThat(split.samples()).containsExactly(
                new Sample("The council met on Monday. It voted.", "A council voted.", "The council met on Monday. It voted."),
                new Sample("A storm hit the coast.", "Storm hits coast.", "A storm hit the coast."));
        assertThat(split.evaluationItems()).containsExactly(
                new EvaluationItem("The council met on Monday. It voted.", List.of("A council voted.")),
                new EvaluationItem("A storm hit the coast.", List.of("Storm hits coast.")));
    }

    @Test
    void mismatchedLineCountsNameBothFilesAndCounts() {
        Path source = Fixtures.write(temp, "train.source", "one\ntwo\nthree\n");
        Path target = Fixtures.write(temp, "train.target", "1\n");

        assertMalformed(file -> XsumReader.readLinePairs(file, target), source,
                "train.source: has 3 lines but " + target + " has 1; line i of the .target file must be the summary of line i");
        Path longer = Fixtures.write(temp, "long.target", "1\n2\n3\n4\n");
        assertMalformed(file -> XsumReader.readLinePairs(file, longer), source,
                "train.source: has 3 lines but " + longer + " has 4");
    }

    @Test
    void blankLinesAreMalformed() {
        Path source = Fixtures.write(temp, "val.source", "one\n\nthree\n");
        Path target = Fixtures.write(temp, "val.target", "1\n2\n3\n");

        assertMalformed(file -> XsumReader.readLinePairs(file, target), source,
                "val.source:2: the line is blank; every line must hold one article");
    }

    @Test
    void jsonlTakesDocumentAndSummaryOrSourceAndTarget() {
        Path file = Fixtures.write(temp, "test.jsonl", """
                {"document": "The council met.\\nIt voted.", "summary": "A council voted.", "id": "1"}

                {"source": "A storm hit the coast.", "target": "Storm hits coast."}
                """);

        assertThat(XsumReader.readJsonl(file).samples()).containsExactly(
                new Sample("The council met.\nIt voted.", "A council voted.", "The council met.\nIt voted."),
                new Sample("A storm hit the coast.", "Storm hits coast.", "A storm hit the coast."));
    }

    @Test
    void jsonlWithoutTheFieldsNamesWhatItAccepts() {
        assertMalformed(XsumReader::readJsonl, Fixtures.write(temp, "keys.jsonl", "{\"article\": \"a\", \"highlights\": \"b\"}\n"),
                "keys.jsonl:1: a line must have the fields {\"document\", \"summary\"} or {\"source\", \"target\"}, found [article, highlights]");
    }
}
