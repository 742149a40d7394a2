package io.github.peft4j.datasets.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.datasets.DartReader;
import io.github.peft4j.datasets.DatasetSplit;
import io.github.peft4j.datasets.Datasets;
import io.github.peft4j.datasets.EvaluationItem;
import io.github.peft4j.testing.SharedData;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** DART's official BLEU (evaluation/run_eval_on_dart.sh) on the shared copy of the real data. */
final class TestDartOfficialBleu {
    private static final List<String> REFERENCE_FILES = List.of("all-delex-reference0.lex", "all-delex-reference1.lex", "all-delex-reference2.lex");

    /** The reference lines rebuilt from the test set are those of DART's published files, line for line. */
    @Test
    void referenceLinesAreThoseOfThePublishedFiles() {
        Path dart = SharedData.require("dart");
        Path published = SharedData.require("dart/eval-refs");
        for (DatasetSplit test : List.of(Datasets.read("dart", dart, "test"),
                DartReader.readXml(dart.resolve("dart-v1.1.1-full-test.xml")))) {
            List<EvaluationItem> items = test.evaluationItems();
            for (int file = 0; file < REFERENCE_FILES.size(); file++) {
                int column = file;
                List<String> expected = MultiBleu.readLines(published.resolve(REFERENCE_FILES.get(file))).stream()
                        .map(line -> line.endsWith("\r") ? line.substring(0, line.length() - 1) : line)
                        .toList();
                assertThat(items.stream().map(item -> item.officialBleuReferences().get(column)).toList())
                        .as(REFERENCE_FILES.get(file)).containsExactlyElementsOf(expected);
            }
        }
    }

    /** DART's BART-large example output: the script prints BLEU = 48.56, from the files or from the test set. */
    @Test
    void bartLargeExampleScores4856() {
        Path output = SharedData.require("dart/system-outputs/bart-large_dart.txt");
        Path published = SharedData.require("dart/eval-refs");

        MultiBleuScore fromFiles = MultiBleu.scoreFiles(output, REFERENCE_FILES.stream().map(published::resolve).toList(), false);
        assertThat(fromFiles.printedBleu()).isEqualTo(48.56);
        assertThat(fromFiles.hypothesisLength()).isEqualTo(110_554);
        assertThat(fromFiles.referenceLength()).isEqualTo(116_948);

        List<EvaluationItem> items = Datasets.read("dart", SharedData.require("dart"), "test").evaluationItems();
        List<String> hypotheses = MultiBleu.readLines(output);
        MultiBleuScore fromTestSet = MultiBleu.score(hypotheses,
                IntStream.range(0, items.size()).mapToObj(i -> items.get(i).officialBleuReferences()).toList(), false);
        assertThat(fromTestSet).isEqualTo(fromFiles);
    }
}
