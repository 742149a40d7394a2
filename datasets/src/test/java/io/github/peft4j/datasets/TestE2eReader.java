package io.github.peft4j.datasets;

import static io.github.peft4j.datasets.Fixtures.assertFails;
import static io.github.peft4j.datasets.Fixtures.assertMalformed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestE2eReader {
    private static final String BLUE_SPICE = "name : Blue Spice | Type : coffee shop | area : city centre";
    private static final String CRICKETERS = "name : The Cricketers | Type : restaurant | price : £ 20 - 25 | customer rating : high"
            + " | family friendly : no | near : Café Rouge";

    @TempDir
    Path temp;

    @Test
    void lineariseRenamesSlotsAndTokenisesValuesAsThePapersFiles() {
        assertThat(E2eReader.linearise("name[Blue Spice], eatType[coffee shop], area[city centre]")).isEqualTo(BLUE_SPICE);
        assertThat(E2eReader.linearise("name[The Cricketers], eatType[restaurant], priceRange[£20-25], customer rating[high], "
                + "familyFriendly[no], near[Café Rouge]")).isEqualTo(CRICKETERS);
        assertThat(E2eReader.linearise("name[Cocum], priceRange[less than £20]")).isEqualTo("name : Cocum | price : less than £ 20");
        assertThat(E2eReader.linearise("name[Cocum],priceRange[more than £30]  ")).isEqualTo("name : Cocum | price : more than £ 30");
        assertThat(E2eReader.linearise("food[Fast food]")).isEqualTo("food : Fast food");
    }

    @Test
    void lineariseRejectsWhatIsNotSlotValue() {
        assertThatThrownBy(() -> E2eReader.linearise("name Blue Spice, eatType[pub]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("\"name Blue Spice\" is not slot[value]");
        assertThatThrownBy(() -> E2eReader.linearise("name[Blue Spice], eatType pub"))
                .hasMessage("\"eatType pub\" is not slot[value]");
        assertThatThrownBy(() -> E2eReader.linearise("name[Blue Spice, eatType[pub]"))
                .hasMessage("slot \"name\" has no closing ']'");
        assertThatThrownBy(() -> E2eReader.linearise("name[Blue Spice"))
                .hasMessage("slot \"name\" has no closing ']'");
        assertThatThrownBy(() -> E2eReader.linearise("name[Blue Spice] eatType[pub]"))
                .hasMessage("expected ',' after slot \"name\" but found \"eatType[pub]\"");
        assertThatThrownBy(() -> E2eReader.linearise("name[Blue Spice], [pub]"))
                .hasMessage("a value at character 19 has no slot name");
        assertThatThrownBy(() -> E2eReader.linearise("name[Blue Spice],"))
                .hasMessage("an empty slot at character 18");
        assertThatThrownBy(() -> E2eReader.linearise(" ")).hasMessage("the MR is empty");
    }

    @Test
    void csvGroupsReferencesByMrInOrderOfFirstAppearance() {
        Path csv = write("devset.csv", "mr,ref\r\n"
                + "\"name[Blue Spice], eatType[coffee shop], area[city centre]\",\"A coffee shop, Blue Spice.\"\r\n"
                + "\"name[The Cricketers], eatType[restaurant], priceRange[£20-25], customer rating[high], familyFriendly[no], "
                + "near[Café Rouge]\",\"The \"\"Cricketers\"\"\r\nis near Café Rouge.\"\r\n"
                + "\"name[Blue Spice], eatType[coffee shop], area[city centre]\",Blue Spice is in the city centre.\r\n"
                + "\r\n");

        DatasetSplit split = E2eReader.readCsv(csv);

        assertThat(split.samples()).containsExactly(
                new Sample(BLUE_SPICE, "A coffee shop, Blue Spice.", BLUE_SPICE),
                new Sample(CRICKETERS, "The \"Cricketers\"\r\nis near Café Rouge.", CRICKETERS),
                new Sample(BLUE_SPICE, "Blue Spice is in the city centre.", BLUE_SPICE));
        assertThat(split.evaluationItems()).containsExactly(
                new EvaluationItem(BLUE_SPICE, List.of("A coffee shop, Blue Spice.", "Blue Spice is in the city centre.")),
                new EvaluationItem(CRICKETERS, List.of("The \"Cricketers\"\r\nis near Café Rouge.")));
        assertThat(split.sources()).containsExactly(BLUE_SPICE, CRICKETERS);
        assertThat(split.referenceCount()).isEqualTo(3);
    }

    @Test
    void csvFindsItsColumnsByName() {
        Path csv = write("trainset.csv", "\uFEFF\"ref\",\"MR\"\n\"Blue Spice, a pub.\",\"name[Blue Spice], eatType[pub]\"\n");

        assertThat(E2eReader.readCsv(csv).samples())
                .containsExactly(new Sample("name : Blue Spice | Type : pub", "Blue Spice, a pub.", "name : Blue Spice | Type : pub"));
    }

    @Test
    void src1GivesTheSameSourcesAsTheCsv() {
        Path src1 = write("src1_valid.txt", "name : Blue Spice | Type : coffee shop | area : city centre||A coffee shop , Blue Spice . \n"
                + "\n"
                + CRICKETERS + "||The Cricketers is near Café Rouge . \n"
                + "name : Blue Spice | Type : coffee shop | area : city centre||Blue Spice is in the city centre . \n");
        Path csv = write("devset.csv", "mr,ref\n"
                + "\"name[Blue Spice], eatType[coffee shop], area[city centre]\",\"A coffee shop, Blue Spice.\"\n"
                + "\"name[The Cricketers], eatType[restaurant], priceRange[£20-25], customer rating[high], familyFriendly[no], "
                + "near[Café Rouge]\",The Cricketers is near Café Rouge.\n"
                + "\"name[Blue Spice], eatType[coffee shop], area[city centre]\",Blue Spice is in the city centre.\n");

        DatasetSplit paper = E2eReader.readSrc1(src1);

        assertThat(paper.sources()).containsExactly(BLUE_SPICE, CRICKETERS).isEqualTo(E2eReader.readCsv(csv).sources());
        assertThat(paper.evaluationItems().get(0).references())
                .as("the paper's text is taken as it is, trailing space included")
                .containsExactly("A coffee shop , Blue Spice . ", "Blue Spice is in the city centre . ");
        assertThat(paper.samples()).extracting(Sample::group).containsExactly(BLUE_SPICE, CRICKETERS, BLUE_SPICE);
    }

    @Test
    void malformedCsvNamesFileLineAndProblem() {
        assertMalformed(E2eReader::readCsv, write("quote.csv", "mr,ref\n\"name[A]\",He said \"hi\"\n"),
                "quote.csv:2: a quote inside an unquoted field");
        assertMalformed(E2eReader::readCsv, write("after.csv", "mr,ref\n\"name[A]\",\"He said \"hi\".\"\n"),
                "after.csv:2: text after the closing quote of a field");
        assertMalformed(E2eReader::readCsv, write("open.csv", "mr,ref\n\"name[A]\",ok\n\"name[B]\",\"never closed\nmore\n"),
                "open.csv:3: a quoted field opened on this line is never closed");
        assertMalformed(E2eReader::readCsv, write("fields.csv", "mr,ref\n\"name[A]\",one,two\n"),
                "fields.csv:2: the row has 3 fields but the header has 2");
        assertMalformed(E2eReader::readCsv, write("brackets.csv", "mr,ref\n\"name[A]\",ok\n\"name B, eatType[pub]\",text\n"),
                "brackets.csv:3: MR \"name B, eatType[pub]\": \"name B\" is not slot[value]");
        assertMalformed(E2eReader::readCsv, write("header.csv", "meaning,text\n\"name[A]\",ok\n"),
                "header.csv:1: the header must name the columns \"mr\" and \"ref\", found [meaning, text]");
        assertMalformed(E2eReader::readCsv, write("emptyref.csv", "mr,ref\n\"name[A]\",\n"),
                "emptyref.csv:2: the reference is empty");
        assertMalformed(E2eReader::readCsv, write("empty.csv", ""), "empty.csv: is empty");
        assertMalformed(E2eReader::readCsv, write("onlyheader.csv", "mr,ref\n"), "onlyheader.csv: holds no examples");
    }

    @Test
    void malformedSrc1NamesFileLineAndProblem() {
        assertMalformed(E2eReader::readSrc1, write("none.txt", "name : A||ok\nname : B | text\n"),
                "none.txt:2: a line must be \"MR||reference\" with exactly one \"||\"");
        assertMalformed(E2eReader::readSrc1, write("two.txt", "name : A||ok||again\n"),
                "two.txt:1: a line must be \"MR||reference\" with exactly one \"||\"");
        assertMalformed(E2eReader::readSrc1, write("nomr.txt", " ||text\n"), "nomr.txt:1: the MR before \"||\" is empty");
        assertMalformed(E2eReader::readSrc1, write("noref.txt", "name : A|| \n"), "noref.txt:1: the reference after \"||\" is empty");
    }

    @Test
    void missingAndNonUtf8FilesAreReported() throws IOException {
        assertFails(() -> E2eReader.readSrc1(temp.resolve("src1_train.txt")), StandardErrorCode.FILE_NOT_FOUND)
                .hasMessage("Data file " + temp.resolve("src1_train.txt") + " does not exist");
        Path latin1 = Files.write(temp.resolve("latin1.csv"), "mr,ref\n\"name[Caf\u00e9]\",ok\n".getBytes(StandardCharsets.ISO_8859_1));
        assertMalformed(E2eReader::readCsv, latin1, "latin1.csv:2: byte 0xE9 (byte 16 of the file) is not UTF-8 text");
    }

    private Path write(String name, String text) {
        return Fixtures.write(temp, name, text);
    }
}
