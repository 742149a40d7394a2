package io.github.peft4j.datasets;

import static io.github.peft4j.datasets.Fixtures.assertFails;
import static io.github.peft4j.datasets.Fixtures.assertMalformed;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestWebNlgReader {
    private static final String AARHUS = " | Aarhus_Airport : cityServed : \"Aarhus, Denmark\"";
    private static final String ALAN = " | Alan_Bean : nationality : United_States | Alan_Bean : occupation : Test_pilot";
    private static final String DAGGETT = " | Aaron_S._Daggett : award : Purple_Heart";
    private static final Category AIRPORT = new Category("Airport", true);
    private static final Category ASTRONAUT = new Category("Astronaut", true);
    private static final Category POLITICIAN = new Category("Politician", false);

    @TempDir
    Path temp;

    @Test
    void jsonTrainsOnGoodLexicalisationsAndEvaluatesOnAllOfThemPerEntry() {
        DatasetSplit split = WebNlgReader.readJson(Fixtures.write(temp, "train.json", JSON));

        assertThat(split.samples()).containsExactly(
                new Sample(AARHUS, "Aarhus Airport serves Aarhus, Denmark.", "1"),
                new Sample(ALAN, "Alan Bean, a US test pilot.", "2"),
                new Sample(AARHUS, "The airport of Aarhus.", "3"),
                new Sample(DAGGETT, "Aaron S. Daggett was awarded the Purple Heart.", "4"));
        assertThat(split.evaluationItems()).containsExactly(
                new EvaluationItem(AARHUS, List.of("Aarhus Airport serves Aarhus, Denmark.", "Aarhus serves airport the."), Optional.of(AIRPORT),
                        List.of("aarhus airport serves aarhus , denmark .", "aarhus serves airport the .", "")),
                new EvaluationItem(ALAN, List.of("Alan Bean, a US test pilot."), Optional.of(ASTRONAUT), List.of("alan bean , a us test pilot .", "", "")),
                new EvaluationItem(AARHUS, List.of("The airport of Aarhus."), Optional.of(AIRPORT), List.of("the airport of aarhus .", "", "")),
                new EvaluationItem(DAGGETT, List.of("Aaron S. Daggett was awarded the Purple Heart."), Optional.of(POLITICIAN),
                        List.of("aaron s . daggett was awarded the purple heart .", "", "")));
    }

    /**
     * The challenge's reference files hold an entry's first three lexicalisations whatever their comment, tokenised,
     * lowercased and ASCII-folded as evaluation.py writes them; an empty line for each one the entry lacks.
     */
    @Test
    void officialBleuReferencesAreTheFirstThreeLexicalisationsFoldedToAscii() {
        DatasetSplit split = WebNlgReader.readJson(Fixtures.write(temp, "test.json", """
                {"entries": [{"1": {"category": "City", "modifiedtripleset": [{"subject": "São_Paulo", "property": "country", "object": "Brazil"}],
                  "lexicalisations": [{"comment": "toFix", "lex": "São Paulo’s country: Brazil."}, {"comment": "good", "lex": "Straße–Brazil"},
                    {"comment": "good", "lex": "Third."}, {"comment": "good", "lex": "Fourth."}]}}]}
                """));

        assertThat(split.evaluationItems().get(0).officialBleuReferences())
                .containsExactly("sao paulo ' s country : brazil .", "strasse - brazil", "third .");
    }

    @Test
    void xmlFilesInPathOrderGiveTheSameSplitAsTheJson() {
        Fixtures.write(temp, "xml/train/2triples/2triples_Astronaut_train_challenge.xml", xml("""
                <entry category="Astronaut" eid="Id1" size="2">
                  <modifiedtripleset>
                    <mtriple>Alan_Bean | nationality | United_States</mtriple>
                    <mtriple>Alan_Bean | occupation | Test_pilot</mtriple>
                  </modifiedtripleset>
                  <lex comment="good" lid="Id1">Alan Bean, a US test pilot.</lex>
                </entry>
                <entry category="Airport" eid="Id2" size="1">
                  <modifiedtripleset><mtriple>Aarhus_Airport | cityServed | "Aarhus, Denmark"</mtriple></modifiedtripleset>
                  <lex comment="good" lid="Id1">The airport of Aarhus.</lex>
                </entry>
                <entry category="Politician" eid="Id3" size="1">
                  <modifiedtripleset><mtriple>Aaron_S._Daggett | award | Purple_Heart</mtriple></modifiedtripleset>
                  <lex comment="good" lid="Id1">Aaron S. Daggett was awarded the Purple Heart.</lex>
                </entry>
                """));
        Fixtures.write(temp, "xml/train/1triples/1triple_allSolutions_Airport_train_challenge.xml", xml("""
                <entry category="Airport" eid="Id1" size="1">
                  <originaltripleset><otriple>Aarhus_Airport | cityServed | "Aarhus, Denmark"@en</otriple></originaltripleset>
                  <modifiedtripleset><mtriple>Aarhus_Airport | cityServed | "Aarhus, Denmark"</mtriple></modifiedtripleset>
                  <lex comment="good" lid="Id1">Aarhus Airport serves Aarhus, Denmark.</lex>
                  <lex comment="toFix" lid="Id2">Aarhus serves airport the.</lex>
                </entry>
                """));

        assertThat(WebNlgReader.readXml(temp.resolve("xml/train")))
                .isEqualTo(WebNlgReader.readJson(Fixtures.write(temp, "train.json", JSON)));
    }

    @Test
    void malformedJsonNamesFileLineEntryAndProblem() {
        assertMalformed(WebNlgReader::readJson, Fixtures.write(temp, "nolex.json", """
                {"entries": [
                  {"1": {"category": "Airport", "lexicalisations": [{"comment": "good", "lex": "A."}],
                         "modifiedtripleset": [{"subject": "A", "property": "p", "object": "B"}]}},
                  {"2": {"category": "Airport",
                         "modifiedtripleset": [{"subject": "A", "property": "p", "object": "B"}]}}
                ]}
                """), "nolex.json:4: entry \"2\" has no \"lexicalisations\" array");
        assertMalformed(WebNlgReader::readJson, Fixtures.write(temp, "noobject.json", """
                {"entries": [{"1": {"category": "Airport", "lexicalisations": [{"comment": "good", "lex": "A."}],
                                    "modifiedtripleset": [{"subject": "A", "property": "p"}]}}]}
                """), "noobject.json:1: entry \"1\" has a triple without \"subject\", \"property\" and \"object\" texts");
        assertMalformed(WebNlgReader::readJson, Fixtures.write(temp, "notext.json", """
                {"entries": [{"1": {"category": "Airport", "lexicalisations": [{"comment": "good"}],
                                    "modifiedtripleset": [{"subject": "A", "property": "p", "object": "B"}]}}]}
                """), "notext.json:1: entry \"1\" has a lexicalisation without \"lex\" text");
        assertMalformed(WebNlgReader::readJson, Fixtures.write(temp, "noentries.json", "{\"benchmark\": []}"),
                "noentries.json: the document has no field \"entries\"");
        assertMalformed(WebNlgReader::readJson, Fixtures.write(temp, "broken.json", "{\"entries\": [\n{\"1\": {\"category\": }}]}"),
                "broken.json:2: is not valid JSON");
    }

    @Test
    void malformedXmlNamesFileEntryAndProblem() {
        assertMalformed(WebNlgReader::readXml, Fixtures.write(temp, "nomtriple.xml", xml("""
                <entry category="Airport" eid="Id7" size="1">
                  <modifiedtripleset></modifiedtripleset>
                  <lex comment="good" lid="Id1">A.</lex>
                </entry>
                """)), "nomtriple.xml: entry 1 (eid Id7): its <modifiedtripleset> has no <mtriple>");
        assertMalformed(WebNlgReader::readXml, Fixtures.write(temp, "twoparts.xml", xml("""
                <entry category="Airport" eid="Id1" size="1">
                  <modifiedtripleset><mtriple>Aarhus_Airport | cityServed</mtriple></modifiedtripleset>
                  <lex comment="good" lid="Id1">A.</lex>
                </entry>
                """)), "twoparts.xml: entry 1 (eid Id1): <mtriple>Aarhus_Airport | cityServed</mtriple> is not \"subject | property | object\"");
        assertMalformed(WebNlgReader::readXml, Fixtures.write(temp, "nolex.xml", xml("""
                <entry category="Airport" eid="Id1" size="1">
                  <modifiedtripleset><mtriple>A | p | B</mtriple></modifiedtripleset>
                </entry>
                """)), "nolex.xml: entry 1 (eid Id1): has no lexicalisation text");
        assertMalformed(WebNlgReader::readXml, Fixtures.write(temp, "nocategory.xml", xml("""
                <entry eid="Id1" size="1">
                  <modifiedtripleset><mtriple>A | p | B</mtriple></modifiedtripleset>
                  <lex comment="good" lid="Id1">A.</lex>
                </entry>
                """)), "nocategory.xml: entry 1 (eid Id1): has no category attribute");
        assertMalformed(WebNlgReader::readXml, Fixtures.write(temp, "unclosed.xml", "<benchmark>\n<entries>\n<entry>\n</benchmark>\n"),
                "unclosed.xml:4: is not well-formed XML");
        assertMalformed(WebNlgReader::readXml, Fixtures.write(temp, "noentries.xml", "<benchmark/>"),
                "noentries.xml: has no <entry> elements");
    }

    @Test
    void xmlNeverResolvesEntities() {
        Path secret = Fixtures.write(temp, "secret.txt", "do not read");
        Path hostile = Fixtures.write(temp, "hostile.xml", "<?xml version=\"1.0\"?>\n"
                + "<!DOCTYPE benchmark [<!ENTITY secret SYSTEM \"" + secret.toUri() + "\">]>\n"
                + "<benchmark><entries><entry category=\"Airport\" eid=\"Id1\">"
                + "<modifiedtripleset><mtriple>A | p | B</mtriple></modifiedtripleset>"
                + "<lex comment=\"good\" lid=\"Id1\">&secret;</lex></entry></entries></benchmark>\n");

        assertMalformed(WebNlgReader::readXml, hostile, "hostile.xml:2: is not well-formed XML");
    }

    @Test
    void missingXmlIsFileNotFound() {
        assertFails(() -> WebNlgReader.readXml(temp.resolve("testdata_with_lex.xml")), StandardErrorCode.FILE_NOT_FOUND)
                .hasMessageContaining("testdata_with_lex.xml does not exist");
    }

    /** Entries 1 and 3 share a source but stay separate inputs; entry 4's category is unseen; Id2 of entry 1 is not good. */
    private static final String JSON = """
            {
                "entries": [
                    {
                        "1": {
                            "category": "Airport",
                            "lexicalisations": [
                                {"comment": "good", "lang": "", "lex": "Aarhus Airport serves Aarhus, Denmark.", "xml_id": "Id1"},
                                {"comment": "toFix", "lang": "", "lex": "Aarhus serves airport the.", "xml_id": "Id2"}
                            ],
                            "modifiedtripleset": [{"object": "\\"Aarhus, Denmark\\"", "property": "cityServed", "subject": "Aarhus_Airport"}],
                            "size": "1",
                            "xml_id": "Id1"
                        }
                    },
                    {
                        "2": {
                            "category": "Astronaut",
                            "lexicalisations": [{"comment": "good", "lex": "Alan Bean, a US test pilot."}],
                            "modifiedtripleset": [
                                {"object": "United_States", "property": "nationality", "subject": "Alan_Bean"},
                                {"object": "Test_pilot", "property": "occupation", "subject": "Alan_Bean"}
                            ]
                        }
                    },
                    {
                        "3": {
                            "category": "Airport",
                            "lexicalisations": [{"comment": "good", "lex": "The airport of Aarhus."}],
                            "modifiedtripleset": [{"object": "\\"Aarhus, Denmark\\"", "property": "cityServed", "subject": "Aarhus_Airport"}]
                        }
                    },
                    {
                        "4": {
                            "category": "Politician",
                            "lexicalisations": [{"comment": "good", "lex": "Aaron S. Daggett was awarded the Purple Heart."}],
                            "modifiedtripleset": [{"object": "Purple_Heart", "property": "award", "subject": "Aaron_S._Daggett"}]
                        }
                    }
                ]
            }
            """;

    private static String xml(String entries) {
        return "<benchmark>\n  <entries>\n" + entries + "  </entries>\n</benchmark>\n";
    }
}
