package io.github.peft4j.datasets;

import static io.github.peft4j.datasets.Fixtures.assertFails;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.testing.SharedData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The real datasets of the shared folder, read through {@link Datasets} and checked against the counts
 * measured on them. Each test is skipped where its folder is absent.
 */
final class TestRealDatasets {
    @Test
    void e2eCounts() {
        Path e2e = SharedData.require("e2e");

        assertCounts(Datasets.read("e2e", e2e, "train"), 42_061, 4_862, 42_061);
        assertCounts(Datasets.read("e2e", e2e, "dev"), 4_672, 547, 4_672);
        DatasetSplit test = Datasets.read("e2e", e2e, "test");
        assertCounts(test, 4_693, 630, 4_693);
        IntSummaryStatistics referencesPerMr = test.evaluationItems().stream().mapToInt(item -> item.references().size()).summaryStatistics();
        assertThat(referencesPerMr.getMin()).isEqualTo(1);
        assertThat(referencesPerMr.getMax()).isEqualTo(45);
    }

    @Test
    void e2eCsvAndSrc1GiveTheSameSourcesAndGrouping() {
        Path e2e = SharedData.require("e2e");

        for (List<String> files : List.of(List.of("devset.csv", "src1_valid.txt"), List.of("testset_w_refs.csv", "src1_test.txt"))) {
            DatasetSplit official = E2eReader.readCsv(e2e.resolve(files.get(0)));
            DatasetSplit paper = E2eReader.readSrc1(e2e.resolve(files.get(1)));

            assertThat(official.sources()).as(files.toString()).isEqualTo(paper.sources());
            assertThat(official.samples()).extracting(Sample::source).isEqualTo(paper.samples().stream().map(Sample::source).toList());
            assertThat(referencesPerItem(official)).isEqualTo(referencesPerItem(paper));
        }
    }

    @Test
    void webNlgCounts() {
        Path webnlg = SharedData.require("webnlg2017");

        DatasetSplit train = Datasets.read("webnlg", webnlg, "train");
        assertCounts(train, 18_025, 6_940, 18_102);
        assertThat(train.evaluationItems()).allSatisfy(item -> assertThat(item.category().orElseThrow().seen()).isTrue());
        assertThat(train.evaluationItems().stream().map(item -> item.category().orElseThrow().name()).collect(Collectors.toSet()))
                .isEqualTo(WebNlgReader.SEEN_CATEGORIES);
        assertCounts(Datasets.read("webnlg", webnlg, "dev"), 2_258, 872, 2_268);

        DatasetSplit test = Datasets.read("webnlg", webnlg, "test");
        assertCounts(test, 4_928, 1_862, 4_928);
        List<EvaluationItem> unseen = test.evaluationItems().stream().filter(item -> !item.category().orElseThrow().seen()).toList();
        assertThat(test.evaluationItems().size() - unseen.size()).as("seen inputs").isEqualTo(971);
        assertThat(unseen).as("unseen inputs").hasSize(891);
        assertThat(unseen.stream().map(item -> item.category().orElseThrow().name()).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("Artist", "Athlete", "CelestialBody", "MeanOfTransportation", "Politician");
        assertThat(unseen).as("the unseen subset the challenge publishes")
                .isEqualTo(WebNlgReader.readJson(webnlg.resolve("test_unseen_with_lex.json")).evaluationItems());
    }

    @Test
    void webNlgXmlGivesTheSameSplitsAsTheJson() {
        Path webnlg = SharedData.require("webnlg2017");

        assertThat(WebNlgReader.readXml(webnlg.resolve("xml/train"))).isEqualTo(WebNlgReader.readJson(webnlg.resolve("train.json")));
        assertThat(WebNlgReader.readXml(webnlg.resolve("xml/dev"))).isEqualTo(WebNlgReader.readJson(webnlg.resolve("dev.json")));
        assertThat(WebNlgReader.readXml(webnlg.resolve("xml/test/testdata_with_lex.xml")))
                .isEqualTo(WebNlgReader.readJson(webnlg.resolve("test.json")));
    }

    /**
     * The test file holds 12,552 annotations; one (entry 116, eid Id116) is empty and is no reference, so the
     * split has 12,551, as DART's official reference files.
     */
    @Test
    void dartCounts() throws IOException {
        Path dart = SharedData.require("dart");

        assertCounts(Datasets.read("dart", dart, "dev"), 6_980, 2_768, 6_980);
        DatasetSplit test = Datasets.read("dart", dart, "test");
        assertCounts(test, 12_551, 5_097, 12_551);
        JsonNode entries = new ObjectMapper().readTree(dart.resolve("dart-v1.1.1-full-test.from-xml.json").toFile());
        int annotations = 0;
        for (JsonNode entry : entries) {
            annotations += entry.get("annotations").size();
        }
        assertThat(annotations).isEqualTo(12_552);
        assertThat(entries.get(115).get("annotations").get(1).get("text").asText()).isEmpty();
        assertThat(test.evaluationItems().get(115).references()).hasSize(1);
        assertThat(Set.copyOf(test.sources())).as("distinct sources").hasSize(4_159);
        assertFails(() -> Datasets.read("dart", dart, "train"), StandardErrorCode.FILE_NOT_FOUND)
                .hasMessageContaining("looked for dart-v1.1.1-full-train.json");
    }

    @Test
    void dartXmlGivesTheSameSplitsAsTheJson() {
        Path dart = SharedData.require("dart");

        assertThat(DartReader.readXml(dart.resolve("dart-v1.1.1-full-dev.xml"))).isEqualTo(DartReader.readJson(dart.resolve("dart-v1.1.1-full-dev.json")));
        assertThat(DartReader.readXml(dart.resolve("dart-v1.1.1-full-test.xml")))
                .isEqualTo(DartReader.readJson(dart.resolve("dart-v1.1.1-full-test.from-xml.json")));
    }

    private static void assertCounts(DatasetSplit split, int samples, int inputs, int references) {
        assertThat(split.samples()).as("training pairs").hasSize(samples);
        assertThat(split.evaluationItems()).as("inputs").hasSize(inputs);
        assertThat(split.referenceCount()).as("references").isEqualTo(references);
    }

    private static List<Integer> referencesPerItem(DatasetSplit split) {
        return split.evaluationItems().stream().map(item -> item.references().size()).toList();
    }
}
