package io.github.peft4j.datasets;

import io.github.peft4j.core.training.TokenLimits;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.spi.TextTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bytes that are not UTF-8 and rows that do not fit the model, in every format: each refused naming file and line (or entry). */
final class TestBadDatasetFiles {
    private static final TextTokenizer CHARACTERS = new CharacterTokenizer();
    private static final byte LATIN1_E_ACUTE = (byte) 0xE9;

    @TempDir
    Path temp;

    /** Where the last {@link #withLatin1Byte} file has its bad byte. */
    private long badByteOffset;

    @Test
    void aJsonlLineThatIsNotUtf8IsNamedByLine() throws IOException {
        Path file = withLatin1Byte("pairs.jsonl", "{\"source\": \"a\", \"target\": \"b\"}\n{\"source\": \"caf", "\", \"target\": \"d\"}\n");

        assertNotUtf8(JsonlReader::read, file, 2);
    }

    @Test
    void anE2eCsvRowThatIsNotUtf8IsNamedByLine() throws IOException {
        Path file = withLatin1Byte("devset.csv", "mr,ref\n\"name[A]\",\"A.\"\n\"name[Caf", "]\",\"B.\"\n");

        assertNotUtf8(E2eReader::readCsv, file, 3);
    }

    @Test
    void anE2eSrc1LineThatIsNotUtf8IsNamedByLine() throws IOException {
        assertNotUtf8(E2eReader::readSrc1, withLatin1Byte("src1_train.txt", "name : A||A.\nname : Caf", "||B.\n"), 2);
    }

    @Test
    void webNlgAndDartJsonThatIsNotUtf8AreNamedByLine() throws IOException {
        Path dart = withLatin1Byte("dart.json", "[\n  {\"tripleset\": [[\"A\", \"P\", \"Caf", "\"]], \"annotations\": [{\"source\": \"x\", \"text\": \"A p B.\"}]}\n]\n");
        assertNotUtf8(DartReader::readJson, dart, 2);
        Path webNlg = withLatin1Byte("webnlg.json", "{\"entries\": [\n{\"1\": {\"category\": \"Caf", "\"}}\n]}\n");
        assertNotUtf8(WebNlgReader::readJson, webNlg, 2);
    }

    @Test
    void xmlThatIsNotUtf8IsNamedByLine() throws IOException {
        Path file = withLatin1Byte("dart.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<benchmark><entries>\n<entry eid=\"Id1\">\n"
                + "<modifiedtripleset><mtriple>A | p | Caf", "</mtriple></modifiedtripleset><lex>A p B.</lex></entry></entries></benchmark>\n");

        assertNotUtf8(DartReader::readXml, file, 4);
    }

    @Test
    void anXsumSummaryThatIsNotUtf8IsNamedByItsFileAndLine() throws IOException {
        Path sources = Fixtures.write(temp, "train.source", "One article.\nTwo articles.\n");
        Path targets = withLatin1Byte("train.target", "One.\nTw", "o.\n");

        assertNotUtf8(file -> XsumReader.readLinePairs(sources, file), targets, 2);
    }

    @Test
    void aSampleThatDoesNotFitTheModelIsNamedByWhereItWasRead() {
        Path file = Fixtures.write(temp, "train.jsonl", "{\"source\": \"ab\", \"target\": \"c\"}\n\n{\"source\": \"a long source\", \"target\": \"c\"}\n");
        List<Sample> samples = JsonlReader.read(file).samples();

        Fixtures.assertFails(() -> CausalLmLayout.examples(samples, CHARACTERS, 0, new TokenLimits(256, 12, false, 0)),
                        StandardErrorCode.MALFORMED_DATASET)
                .hasMessageStartingWith(file + ":3: the row is too long")
                .hasMessageContaining("16 + 4 = 20 tokens, more than the 12 positions", "shorten the row or drop it");
        Fixtures.assertFails(() -> Seq2SeqLayout.examples(samples, CHARACTERS, 1, 2, new TokenLimits(256, 12, true, 0)),
                        StandardErrorCode.MALFORMED_DATASET)
                .hasMessageStartingWith(file + ":3: the row is too long: its source has 15 tokens, more than the encoder's 12 positions");
    }

    @Test
    void aSampleWithTokensBeyondTheVocabularyIsNamedByItsXmlEntry() {
        Path file = Fixtures.write(temp, "dart.xml", """
                <?xml version="1.0" encoding="UTF-8"?>
                <benchmark><entries>
                <entry eid="Id7"><modifiedtripleset><mtriple>A | p | B</mtriple></modifiedtripleset><lex>A p B.</lex></entry>
                </entries></benchmark>
                """);
        List<Sample> samples = DartReader.readXml(file).samples();

        Fixtures.assertFails(() -> CausalLmLayout.examples(samples, CHARACTERS, 0, new TokenLimits(60, 100, false, 0)), StandardErrorCode.MALFORMED_DATASET)
                .hasMessageStartingWith(file + ": entry 1 (eid Id7): the source's token 2 is the id 65, outside the model's vocabulary [0, 60)");
    }

    /** {@code before + 0xE9 + after}, the rest UTF-8: "café" as Latin-1 writes it. */
    private Path withLatin1Byte(String name, String before, String after) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        badByteOffset = bytes.size();
        bytes.write(LATIN1_E_ACUTE);
        bytes.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        return Files.write(temp.resolve(name), bytes.toByteArray());
    }

    private void assertNotUtf8(Function<Path, ?> reader, Path file, int line) {
        Fixtures.assertFails(() -> reader.apply(file), StandardErrorCode.MALFORMED_DATASET)
                .hasMessageStartingWith(file + ":" + line + ": byte 0xE9 (byte " + badByteOffset + " of the file) is not UTF-8 text")
                .hasMessageContaining("save the file as UTF-8", "iconv");
    }
}
