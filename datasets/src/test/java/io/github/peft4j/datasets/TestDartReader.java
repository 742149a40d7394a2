package io.github.peft4j.datasets;

import static io.github.peft4j.datasets.Fixtures.assertMalformed;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestDartReader {
    private static final String MARS_HILL = "Mars Hill College : joined : 1973 | Mars Hill College : location : Mars Hill, North Carolina";
    private static final String HEART = "piece of my heart : directed_by : mark tinker";

    @TempDir
    Path temp;

    @Test
    void jsonLowercasesPropertiesAndKeepsEveryEntryAsAnInput() {
        DatasetSplit split = DartReader.readJson(Fixtures.write(temp, "dart-v1.1.1-full-dev.json", JSON));

        assertThat(split.samples()).containsExactly(
                new Sample(MARS_HILL, "A school from Mars Hill, North Carolina, joined in 1973.", "1"),
                new Sample(MARS_HILL, "Mars Hill College joined in 1973.", "1"),
                new Sample(HEART, "Mark Tinker directed Piece of my Heart.", "2"),
                new Sample(MARS_HILL, "Mars Hill College, of Mars Hill, joined in 1973.", "3"));
        assertThat(split.evaluationItems()).containsExactly(
                new EvaluationItem(MARS_HILL, List.of("A school from Mars Hill, North Carolina, joined in 1973.", "Mars Hill College joined in 1973."),
                        Optional.empty(), List.of("a school from mars hill , north carolina , joined in 1973 .", "mars hill college joined in 1973 .", "")),
                new EvaluationItem(HEART, List.of("Mark Tinker directed Piece of my Heart."),
                        Optional.empty(), List.of("mark tinker directed piece of my heart .", "", "")),
                new EvaluationItem(MARS_HILL, List.of("Mars Hill College, of Mars Hill, joined in 1973."),
                        Optional.empty(), List.of("mars hill college , of mars hill , joined in 1973 .", "", "")));
    }

    /**
     * DART's official reference files hold an entry's first three texts in file order, a blank one in its place, as
     * an empty line like a missing one; texts after the third are in no file.
     */
    @Test
    void officialBleuReferencesAreTheFirstThreeTextsInPlaceTokenisedAndLowercased() {
        DatasetSplit split = DartReader.readJson(Fixtures.write(temp, "dart-v1.1.1-full-test.json", """
                [{"tripleset": [["A", "P", "B"]], "annotations": [
                  {"source": "x", "text": ""}, {"source": "x", "text": "A's P-value: B."}, {"source": "x", "text": "B\u00a0is   A's."},
                  {"source": "x", "text": "Fourth."}]}]
                """));

        EvaluationItem item = split.evaluationItems().get(0);
        assertThat(item.references()).containsExactly("A's P-value: B.", "B\u00a0is   A's.", "Fourth.");
        assertThat(item.officialBleuReferences()).containsExactly("", "a ' s p - value : b .", "b is a ' s .");
    }

    @Test
    void xmlGivesTheSameSplitAsTheJsonWithTriplePartsTrimmed() {
        Path xml = Fixtures.write(temp, "dart-v1.1.1-full-dev.xml", """
                <?xml version='1.0' encoding='utf-8'?>
                <benchmark>
                  <entries>
                    <entry category="MISC" eid="Id1" size="2">
                      <modifiedtripleset>
                        <mtriple>Mars Hill College | JOINED | 1973</mtriple>
                        <mtriple>Mars Hill College | LOCATION | Mars Hill, North Carolina</mtriple>
                      </modifiedtripleset>
                      <lex comment="WikiSQL_decl_sents" lid="Id1">A school from Mars Hill, North Carolina, joined in 1973.</lex>
                      <lex comment="WikiSQL_decl_sents" lid="Id2">Mars Hill College joined in 1973.</lex>
                    </entry>
                    <entry category="MISC" eid="Id2" size="1">
                      <modifiedtripleset>
                        <mtriple> piece of my heart  | DIRECTED_BY | mark tinker</mtriple>
                      </modifiedtripleset>
                      <lex comment="WikiTableQuestions_lily" lid="Id1">Mark Tinker directed Piece of my Heart.</lex>
                      <lex comment="WikiTableQuestions_lily" lid="Id2"/>
                    </entry>
                    <entry category="MISC" eid="Id3" size="2">
                      <modifiedtripleset>
                        <mtriple>Mars Hill College | JOINED | 1973</mtriple>
                        <mtriple>Mars Hill College | LOCATION | Mars Hill, North Carolina</mtriple>
                      </modifiedtripleset>
                      <lex comment="e2e" lid="Id1">Mars Hill College, of Mars Hill, joined in 1973.</lex>
                    </entry>
                  </entries>
                </benchmark>
                """);

        assertThat(DartReader.readXml(xml)).isEqualTo(DartReader.readJson(Fixtures.write(temp, "dart-v1.1.1-full-dev.json", JSON)));
    }

    @Test
    void malformedJsonNamesFileLineEntryAndProblem() {
        assertMalformed(DartReader::readJson, Fixtures.write(temp, "pair.json", """
                [
                  {"tripleset": [["A", "P", "B"]], "annotations": [{"source": "x", "text": "A p B."}]},
                  {"tripleset": [["A", "P"]], "annotations": [{"source": "x", "text": "A p."}]}
                ]
                """), "pair.json:3: entry 2 has a triple that is not [subject, property, object]: [\"A\",\"P\"]");
        assertMalformed(DartReader::readJson, Fixtures.write(temp, "noannotations.json", """
                [{"tripleset": [["A", "P", "B"]], "subtree_was_extended": false}]
                """), "noannotations.json:1: entry 1 has no \"annotations\" array");
        assertMalformed(DartReader::readJson, Fixtures.write(temp, "notext.json", """
                [{"tripleset": [["A", "P", "B"]], "annotations": [{"source": "x"}]}]
                """), "notext.json:1: entry 1 has an annotation without \"text\"");
        assertMalformed(DartReader::readJson, Fixtures.write(temp, "blank.json", """
                [{"tripleset": [["A", "P", "B"]], "annotations": [{"source": "x", "text": " "}]}]
                """), "blank.json:1: entry 1 has no annotation text");
        assertMalformed(DartReader::readJson, Fixtures.write(temp, "notriples.json", """
                [{"tripleset": [], "annotations": [{"source": "x", "text": "A."}]}]
                """), "notriples.json:1: entry 1 has no \"tripleset\" with triples");
        assertMalformed(DartReader::readJson, Fixtures.write(temp, "object.json", "{\"data\": []}"),
                "object.json:1: the document must be an array");
    }

    @Test
    void malformedXmlNamesFileEntryAndProblem() {
        assertMalformed(DartReader::readXml, Fixtures.write(temp, "notripleset.xml", """
                <benchmark><entries>
                  <entry category="MISC" eid="Id1"><lex comment="x" lid="Id1">A.</lex></entry>
                </entries></benchmark>
                """), "notripleset.xml: entry 1 (eid Id1): needs exactly one <modifiedtripleset>, found 0");
        assertMalformed(DartReader::readXml, Fixtures.write(temp, "emptylex.xml", """
                <benchmark><entries>
                  <entry category="MISC" eid="Id1"><modifiedtripleset><mtriple>A | P | B</mtriple></modifiedtripleset><lex/></entry>
                </entries></benchmark>
                """), "emptylex.xml: entry 1 (eid Id1): has no <lex> text");
    }

    /** Entry 2's second annotation is blank (as one in DART's test set); entries 1 and 3 share their triples. */
    private static final String JSON = """
            [
              {
                "tripleset": [["Mars Hill College", "JOINED", "1973"], ["Mars Hill College", "LOCATION", "Mars Hill, North Carolina"]],
                "subtree_was_extended": true,
                "annotations": [
                  {"source": "WikiSQL_decl_sents", "text": "A school from Mars Hill, North Carolina, joined in 1973."},
                  {"source": "WikiSQL_decl_sents", "text": "Mars Hill College joined in 1973."}
                ]
              },
              {
                "tripleset": [["piece of my heart", "DIRECTED_BY", "mark tinker"]],
                "annotations": [
                  {"source": "WikiTableQuestions_lily", "text": "Mark Tinker directed Piece of my Heart."},
                  {"source": "WikiTableQuestions_lily", "text": ""}
                ]
              },
              {
                "tripleset": [["Mars Hill College", "JOINED", "1973"], ["Mars Hill College", "LOCATION", "Mars Hill, North Carolina"]],
                "annotations": [{"source": "e2e", "text": "Mars Hill College, of Mars Hill, joined in 1973."}]
              }
            ]
            """;
}
