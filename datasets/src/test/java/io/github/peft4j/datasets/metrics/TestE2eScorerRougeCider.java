package io.github.peft4j.datasets.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.peft4j.testing.SharedData;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ROUGE-L and CIDEr of the TGen system output on the E2E test set, against all references of each MR, as the official
 * E2E scorer ({@code measure_scores.py} of tuetschek/e2e-metrics) reports them: {@code ROUGE_L: 0.6827},
 * {@code CIDEr: 2.2075}. Skipped where the shared data folder is absent.
 */
final class TestE2eScorerRougeCider {

    @Test
    void tgenOnTheE2eTestSetScoresAsTheOfficialScorer() throws IOException {
        Path system = SharedData.require("e2e/system-outputs/tgen-std.train-clean_test-orig.run0.txt");
        Path csv = SharedData.require("e2e/testset_w_refs.csv");

        // the scorer strips each line of the system output
        List<String> hypotheses = Files.readAllLines(system, StandardCharsets.UTF_8).stream().map(String::strip)
                .toList();
        List<List<String>> references = referencesByMr(csv);
        assertThat(hypotheses).hasSize(630);
        assertThat(references).hasSize(630);
        assertThat(references.stream().mapToInt(List::size).sum()).isEqualTo(4693);

        // tokenized once, as the scorer does before running both metrics
        List<String> tokenizedHypotheses = CocoTokenizer.tokenize(hypotheses);
        List<List<String>> tokenizedReferences = CocoTokenizer.tokenizeReferences(references);
        double rougeL = RougeCoco.scoreTokenized(tokenizedHypotheses, tokenizedReferences);
        double cider = CiderD.scoreTokenized(tokenizedHypotheses, tokenizedReferences);

        assertThat(rougeL).isCloseTo(0.6827, within(0.0001));
        assertThat(cider).isCloseTo(2.2075, within(0.001));
        // the scorer prints '%.4f': the same four decimals
        assertThat(round4(rougeL)).isEqualTo("0.6827");
        assertThat(round4(cider)).isEqualTo("2.2075");
        // and the entry points on raw text agree with the tokenize-once path
        assertThat(RougeCoco.score(hypotheses, references)).isEqualTo(rougeL);
        assertThat(CiderD.score(hypotheses, references)).isEqualTo(cider);
    }

    private static String round4(double value) {
        return BigDecimal.valueOf(value).setScale(4, RoundingMode.HALF_EVEN).toPlainString();
    }

    /** The references of {@code testset_w_refs.csv} ({@code "mr","ref"}), grouped by MR in order of first appearance. */
    private static List<List<String>> referencesByMr(Path csv) throws IOException {
        List<List<String>> rows = parseCsv(Files.readString(csv, StandardCharsets.UTF_8));
        assertThat(rows.get(0)).containsExactly("mr", "ref");
        Map<String, List<String>> byMr = new LinkedHashMap<>();
        for (List<String> row : rows.subList(1, rows.size())) {
            assertThat(row).hasSize(2);
            byMr.computeIfAbsent(row.get(0), mr -> new ArrayList<>()).add(row.get(1));
        }
        return new ArrayList<>(byMr.values());
    }

    /** A minimal RFC 4180 reader: comma-separated fields, optionally in double quotes with {@code ""} for a quote. */
    private static List<List<String>> parseCsv(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean fieldStarted = false;
        int start = text.startsWith("\uFEFF") ? 1 : 0;
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                fieldStarted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
                fieldStarted = true;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                if (fieldStarted || field.length() > 0 || !row.isEmpty()) {
                    row.add(field.toString());
                    rows.add(row);
                }
                row = new ArrayList<>();
                field.setLength(0);
                fieldStarted = false;
            } else {
                field.append(c);
                fieldStarted = true;
            }
        }
        if (fieldStarted || field.length() > 0 || !row.isEmpty()) {
            row.add(field.toString());
            rows.add(row);
        }
        return rows;
    }
}
