package io.github.peft4j.datasets;

import static io.github.peft4j.datasets.Fixtures.assertMalformed;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestJsonlReader {
    @TempDir
    Path temp;

    @Test
    void pairsWithTheSameSourceFormOneEvaluationItem() {
        Path file = Fixtures.write(temp, "train.jsonl", """
                {"source": "name : A | food : Thai", "target": "A serves Thai food."}

                {"source": "name : B", "target": "B."}
                {"source": "name : A | food : Thai", "target": "Thai food at A."}
                """);

        DatasetSplit split = JsonlReader.read(file);

        assertThat(split.samples()).containsExactly(
                new Sample("name : A | food : Thai", "A serves Thai food.", "name : A | food : Thai"),
                new Sample("name : B", "B.", "name : B"),
                new Sample("name : A | food : Thai", "Thai food at A.", "name : A | food : Thai"));
        assertThat(split.evaluationItems()).containsExactly(
                new EvaluationItem("name : A | food : Thai", List.of("A serves Thai food.", "Thai food at A.")),
                new EvaluationItem("name : B", List.of("B.")));
    }

    @Test
    void malformedLinesNameFileLineAndProblem() {
        assertMalformed(JsonlReader::read, Fixtures.write(temp, "ids.jsonl", "{\"source\": [1, 2], \"target\": [3]}\n"),
                "ids.jsonl:1: \"source\" must be text, found array");
        assertMalformed(JsonlReader::read, Fixtures.write(temp, "keys.jsonl", "{\"source\": \"a\", \"target\": \"b\"}\n{\"source\": \"a\"}\n"),
                "keys.jsonl:2: a line must have the fields {\"source\", \"target\"}, found [source]");
        assertMalformed(JsonlReader::read, Fixtures.write(temp, "broken.jsonl", "{\"source\": \"a\", \"target\": \"b\"}\n{\"source\": \n"),
                "broken.jsonl:2: is not valid JSON");
        assertMalformed(JsonlReader::read, Fixtures.write(temp, "array.jsonl", "[\"a\", \"b\"]\n"),
                "array.jsonl:1: a line must be a JSON object");
        assertMalformed(JsonlReader::read, Fixtures.write(temp, "empty.jsonl", "{\"source\": \"a\", \"target\": \"\"}\n"),
                "empty.jsonl:1: \"target\" is empty");
        assertMalformed(JsonlReader::read, Fixtures.write(temp, "blank.jsonl", "\n\n"), "blank.jsonl: holds no examples");
    }

    @Test
    void aLineIsExactlyOneObjectWithEachKeyOnceAndAByteOrderMarkIsSkipped() {
        assertMalformed(JsonlReader::read, Fixtures.write(temp, "junk.jsonl", "{\"source\": \"a\", \"target\": \"b\"} junk\n"),
                "junk.jsonl:1: has text after the JSON object, which ends at column 31: give one JSON object per line");
        assertMalformed(JsonlReader::read, Fixtures.write(temp, "two.jsonl", "{\"source\": \"a\", \"target\": \"b\"} {\"source\": \"c\", \"target\": \"d\"}\n"),
                "two.jsonl:1: has text after the JSON object");
        assertMalformed(JsonlReader::read, Fixtures.write(temp, "twice.jsonl", "{\"source\": \"a\", \"target\": \"b\", \"target\": \"c\"}\n"),
                "twice.jsonl:1: gives the key \"target\" twice: keep only one");

        DatasetSplit split = JsonlReader.read(Fixtures.write(temp, "bom.jsonl", "\uFEFF{\"source\": \"a\", \"target\": \"b\"}\n"));

        assertThat(split.samples()).containsExactly(new Sample("a", "b", "a"));
    }
}
