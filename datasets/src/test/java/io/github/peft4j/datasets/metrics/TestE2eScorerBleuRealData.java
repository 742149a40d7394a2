package io.github.peft4j.datasets.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.peft4j.testing.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Acceptance on the real E2E test set (skipped where the shared data is absent): the TGen baseline's output
 * scored against all references of each MR must give what the official E2E scorer prints for it, BLEU 0.6636
 * and NIST 8.6939 (Perl mteval) / 8.6435 (its Python port); sacreBLEU and TER must give what sacreBLEU 2.6.0
 * printed for the same grouping (references of an MR as a variable number of reference streams).
 *
 * <p>The files are read as {@code measure_scores.py} reads them: every line stripped, the reference CSV's
 * encoding fixes applied, references grouped by MR (in order of first appearance; the scorer groups identical
 * consecutive MRs, which is the same here since each MR's rows are consecutive).
 */
class TestE2eScorerBleuRealData {
    private static List<String> hypotheses;
    private static List<List<String>> references;

    @BeforeAll
    static void load() throws IOException {
        Path system = SharedData.require("e2e/system-outputs/tgen-std.train-clean_test-orig.run0.txt");
        Path csv = SharedData.require("e2e/testset_w_refs.csv");
        hypotheses = new ArrayList<>();
        for (String line : Files.readAllLines(system, StandardCharsets.UTF_8)) {
            hypotheses.add(line.strip());
        }
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        List<String> header = parseCsvLine(lines.get(0).replace("\uFEFF", "").strip());
        assertEquals(List.of("mr", "ref"), header);
        Map<String, List<String>> byMr = new LinkedHashMap<>();
        int consecutiveGroups = 0;
        String previous = null;
        for (String raw : lines.subList(1, lines.size())) {
            String line = raw.strip().replace("Ł", "£").replace("Â£", "£").replace("Ã©", "é").replace("ã©", "é");
            if (line.isEmpty()) {
                continue;
            }
            List<String> fields = parseCsvLine(line);
            assertEquals(2, fields.size(), line);
            byMr.computeIfAbsent(fields.get(0), mr -> new ArrayList<>()).add(fields.get(1));
            if (!fields.get(0).equals(previous)) {
                consecutiveGroups++;
                previous = fields.get(0);
            }
        }
        references = new ArrayList<>(byMr.values());
        assertEquals(630, references.size());
        assertEquals(630, consecutiveGroups);
        assertEquals(630, hypotheses.size());
        assertEquals(4693, references.stream().mapToInt(List::size).sum());
    }

    /** A minimal RFC 4180 line parser: comma-separated fields, double quotes, {@code ""} for a quote inside. */
    static List<String> parseCsvLine(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        assertTrue(!quoted, "unbalanced quotes: " + line);
        fields.add(field.toString());
        return fields;
    }

    @Test
    void csvParserHandlesQuotes() {
        assertEquals(List.of("a, b", "say \"hi\"", ""), parseCsvLine("\"a, b\",\"say \"\"hi\"\"\","));
    }

    @Test
    void bleuAsTheE2eScorerPrintsIt() {
        BleuScore bleu = MtevalBleu.score(hypotheses, references);
        assertEquals(0.6636, bleu.bleu(), 0.0001);
        assertEquals("0.6636", String.format(Locale.ROOT, "%.4f", bleu.bleu()));
    }

    @Test
    void nistAsTheE2eScorerPrintsIt() {
        NistScore perl = Nist.score(hypotheses, references);
        assertEquals(8.6939, perl.nist(), 0.001);
        assertEquals("8.6939", String.format(Locale.ROOT, "%.4f", perl.nist()));
        NistScore python = Nist.score(hypotheses, references, Nist.Implementation.PYMTEVAL);
        assertEquals(8.6435, python.nist(), 0.001);
        assertEquals("8.6435", String.format(Locale.ROOT, "%.4f", python.nist()));
    }

    /** sacreBLEU 2.6.0 printed 62.506449861782166 (mixed case) and 66.36094209017091 (lowercase=True). */
    @Test
    void sacreBleuAsSacreBleuPrintsIt() {
        SacreBleuScore mixed = SacreBleu.corpusScore(hypotheses, references);
        assertEquals(62.506449861782166, mixed.score(), 1e-9);
        assertEquals("BLEU|nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = 62.51 90.6/73.1/56.4/42.1 "
                + "(BP = 0.993 ratio = 0.993 hyp_len = 16289 ref_len = 16403)", mixed.format(2, true));
        SacreBleuScore lowercased = SacreBleu.corpusScore(hypotheses, references,
                SacreBleu.Options.DEFAULTS.withLowercase(true));
        assertEquals(66.36094209017091, lowercased.score(), 1e-9);
    }

    /** sacreBLEU 2.6.0 printed TER 44.373313714944956, 6860 edits over 15459.742412001897 reference words. */
    @Test
    void terAsSacreBleuPrintsIt() {
        TerScore ter = Ter.corpusScore(hypotheses, references);
        assertEquals(44.373313714944956, ter.score(), 1e-9);
        assertEquals(6860, ter.numEdits());
        assertEquals(15459.742412001897, ter.referenceLength(), 1e-6);
        assertEquals("nrefs:var|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0", ter.signature());
    }
}
