package io.github.peft4j.datasets;

import static io.github.peft4j.datasets.Fixtures.assertFails;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestDatasets {
    private static final String WEBNLG_ENTRY = """
            {"entries": [{"1": {"category": "Airport", "lexicalisations": [{"comment": "good", "lex": "%s"}],
                                "modifiedtripleset": [{"subject": "A", "property": "p", "object": "B"}]}}]}
            """;

    @TempDir
    Path temp;

    @Test
    void e2ePrefersThePapersFilesAndFallsBackToTheOfficialCsv() {
        Fixtures.write(temp, "src1_valid.txt", "name : A | Type : pub||A is a pub . \n");
        Fixtures.write(temp, "devset.csv", "mr,ref\n\"name[A], eatType[pub]\",A is a pub.\n");
        Fixtures.write(temp, "testset_w_refs.csv", "mr,ref\n\"name[B], eatType[pub]\",B is a pub.\n");

        assertThat(Datasets.read("e2e", temp, "dev").samples()).containsExactly(new Sample("name : A | Type : pub", "A is a pub . ", "name : A | Type : pub"));
        assertThat(Datasets.read("e2e", temp, "test").samples()).containsExactly(new Sample("name : B | Type : pub", "B is a pub.", "name : B | Type : pub"));
        assertFails(() -> Datasets.read("e2e", temp, "train"), StandardErrorCode.FILE_NOT_FOUND)
                .hasMessage("No train split of e2e in " + temp + ": looked for src1_train.txt, trainset.csv. The directory should hold "
                        + "the paper's src1_train.txt, src1_valid.txt, src1_test.txt (MR||reference per line) or the official "
                        + "trainset.csv, devset.csv, testset_w_refs.csv (columns mr,ref).");
    }

    @Test
    void webNlgReadsTheJsonThenTheXml() {
        Fixtures.write(temp, "dev.json", WEBNLG_ENTRY.formatted("From the JSON."));
        Fixtures.write(temp, "xml/dev/1triples/dev.xml", xml("From the XML."));
        Fixtures.write(temp, "xml/test/testdata_with_lex.xml", xml("From the test XML."));
        Fixtures.write(temp, "xml/test/testdata_unseen_with_lex.xml", xml("Not read."));
        Fixtures.write(temp, "xml/train/1triples/train.xml", xml("From the train XML."));

        assertThat(Datasets.read("webnlg", temp, "dev").samples()).extracting(Sample::target).containsExactly("From the JSON.");
        assertThat(Datasets.read("webnlg", temp, "test").samples()).extracting(Sample::target).containsExactly("From the test XML.");
        assertThat(Datasets.read("webnlg", temp, "train").samples()).extracting(Sample::target).containsExactly("From the train XML.");
        assertThat(Datasets.read("webnlg", temp.resolve("xml"), "dev").samples()).extracting(Sample::target).containsExactly("From the XML.");
        assertFails(() -> Datasets.read("webnlg", temp.resolve("xml/dev"), "test"), StandardErrorCode.FILE_NOT_FOUND)
                .hasMessageStartingWith("No test split of webnlg in " + temp.resolve("xml/dev")
                        + ": looked for test.json, xml/test/testdata_with_lex.xml, test/testdata_with_lex.xml.");
    }

    @Test
    void dartTakesTheOnlyJsonVariantOfASplit() {
        String entry = "[{\"tripleset\": [[\"A\", \"P\", \"B\"]], \"annotations\": [{\"source\": \"x\", \"text\": \"%s\"}]}]";
        Fixtures.write(temp, "dart-v1.1.1-full-test.from-xml.json", entry.formatted("Converted."));
        Fixtures.write(temp, "dart-v1.1.1-full-dev.json", entry.formatted("Exact."));
        Fixtures.write(temp, "dart-v1.1.1-full-dev.other.json", entry.formatted("Ignored."));

        assertThat(Datasets.read("dart", temp, "test").samples()).containsExactly(new Sample("A : p : B", "Converted.", "1"));
        assertThat(Datasets.read("dart", temp, "dev").samples()).extracting(Sample::target).containsExactly("Exact.");
        assertFails(() -> Datasets.read("dart", temp, "train"), StandardErrorCode.FILE_NOT_FOUND)
                .hasMessageContaining("looked for dart-v1.1.1-full-train.json, dart-v1.1.1-full-train*.json, dart-v1.1.1-full-train.xml.");

        Fixtures.write(temp, "dart-v1.1.1-full-test.other.json", entry.formatted("Second."));
        assertFails(() -> Datasets.read("dart", temp, "test"), StandardErrorCode.INVALID_ARGUMENT)
                .hasMessageContaining("[dart-v1.1.1-full-test.from-xml.json, dart-v1.1.1-full-test.other.json]");
    }

    @Test
    void xsumReadsLinePairsUnderAnyDevNameOrJsonl() {
        Fixtures.write(temp, "val.source", "An article.\n");
        Fixtures.write(temp, "val.target", "A summary.\n");
        Fixtures.write(temp, "test.jsonl", "{\"document\": \"A test article.\", \"summary\": \"A test summary.\"}\n");
        Fixtures.write(temp, "train.source", "An orphan.\n");

        assertThat(Datasets.read("xsum", temp, "dev").samples()).containsExactly(new Sample("An article.", "A summary.", "An article."));
        assertThat(Datasets.read("xsum", temp, "test").sources()).containsExactly("A test article.");
        assertFails(() -> Datasets.read("xsum", temp, "train"), StandardErrorCode.FILE_NOT_FOUND)
                .hasMessage("Data file " + temp.resolve("train.target") + " does not exist; train.source needs it, with the summary "
                        + "of its line i on line i");
    }

    @Test
    void jsonlReadsSplitNamedFiles() {
        Fixtures.write(temp, "validation.jsonl", "{\"source\": \"x\", \"target\": \"y\"}\n");

        assertThat(Datasets.read("jsonl", temp, "dev").samples()).containsExactly(new Sample("x", "y", "x"));
        assertFails(() -> Datasets.read("jsonl", temp, "test"), StandardErrorCode.FILE_NOT_FOUND)
                .hasMessage("No test split of jsonl in " + temp + ": looked for test.jsonl. The directory should hold train.jsonl, "
                        + "dev.jsonl and test.jsonl of {\"source\", \"target\"} text per line.");
    }

    @Test
    void unknownNamesSplitsAndDirectoriesAreUserErrors() {
        assertFails(() -> Datasets.read("cnndm", temp, "train"), StandardErrorCode.INVALID_ARGUMENT)
                .hasMessage("Unknown dataset \"cnndm\"; choose one of e2e, webnlg, dart, xsum, jsonl");
        assertFails(() -> Datasets.read("e2e", temp, "valid"), StandardErrorCode.INVALID_ARGUMENT)
                .hasMessage("Unknown split \"valid\"; choose one of train, dev, test");
        assertFails(() -> Datasets.read("e2e", temp.resolve("missing"), "train"), StandardErrorCode.FILE_NOT_FOUND)
                .hasMessage("Data directory " + temp.resolve("missing") + " does not exist or is not a directory");
    }

    private static String xml(String text) {
        return "<benchmark><entries><entry category=\"Airport\" eid=\"Id1\"><modifiedtripleset><mtriple>A | p | B</mtriple>"
                + "</modifiedtripleset><lex comment=\"good\" lid=\"Id1\">" + text + "</lex></entry></entries></benchmark>";
    }
}
