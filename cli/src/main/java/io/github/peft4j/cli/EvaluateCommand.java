package io.github.peft4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.inject.Inject;
import io.github.peft4j.core.io.TextFiles;
import io.github.peft4j.datasets.DatasetSplit;
import io.github.peft4j.datasets.Datasets;
import io.github.peft4j.datasets.EvaluationItem;
import io.github.peft4j.datasets.OfficialBleu;
import io.github.peft4j.datasets.metrics.CiderD;
import io.github.peft4j.datasets.metrics.MtevalBleu;
import io.github.peft4j.datasets.metrics.MultiBleuScore;
import io.github.peft4j.datasets.metrics.Nist;
import io.github.peft4j.datasets.metrics.RougeCoco;
import io.github.peft4j.datasets.metrics.RougeScore;
import io.github.peft4j.datasets.metrics.RougeScores;
import io.github.peft4j.datasets.metrics.SacreBleu;
import io.github.peft4j.datasets.metrics.SacreBleuScore;
import io.github.peft4j.datasets.metrics.Ter;
import io.github.peft4j.datasets.metrics.TerScore;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peft4j evaluate}: the official metrics of a dataset for a predictions file. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Score predictions (one line per evaluation item, as 'peft4j predict' writes them) against all references of",
                "each item and print one JSON object. WebNLG is also scored on its seen and unseen categories."})
final class EvaluateCommand implements Callable<Integer> {
    /** A metric: adds its figures for the hypotheses against their items' references to a JSON object. */
    private interface Metric {
        void score(String dataset, List<String> hypotheses, List<EvaluationItem> items, ObjectNode into);
    }

    /** A metric that scores against each item's references, the texts of the dataset. */
    private interface ReferenceMetric extends Metric {
        void scoreReferences(List<String> hypotheses, List<List<String>> references, ObjectNode into);

        @Override
        default void score(String dataset, List<String> hypotheses, List<EvaluationItem> items, ObjectNode into) {
            scoreReferences(hypotheses, items.stream().map(EvaluationItem::references).toList(), into);
        }
    }

    private static final Map<String, Metric> METRICS = metrics();
    private static final Map<String, List<String>> DEFAULTS = Map.of(
            "e2e", List.of("bleu", "nist", "rouge_l", "cider", "sacrebleu"),
            "webnlg", List.of("bleu", "e2e_bleu", "sacrebleu", "ter"),
            "dart", List.of("bleu", "e2e_bleu", "sacrebleu", "ter"),
            "xsum", List.of("rouge"),
            "jsonl", List.of("bleu", "sacrebleu", "ter", "rouge"));

    @Spec
    CommandSpec spec;

    @Option(names = "--dataset", required = true, description = "e2e, webnlg, dart, xsum or jsonl.")
    String dataset;

    @Option(names = "--split", defaultValue = "test", description = "train, dev or test. Default: ${DEFAULT-VALUE}.")
    String split;

    @Option(names = "--data", required = true, description = "The dataset's directory.")
    Path data;

    @Option(names = "--predictions", required = true, description = "One prediction per line, in the split's order.")
    Path predictions;

    @Option(names = "--metrics", split = ",", description = "Any of bleu (the dataset's official BLEU, 0-100: for dart DART's evaluation script, for"
            + " webnlg the WebNLG challenge's, both multi-bleu.perl over three reference files; else e2e_bleu), e2e_bleu (the E2E scorer's mteval BLEU, lowercased, 0-1), nist, rouge_l (the E2E scorer's, 0-1), "
            + "cider (CIDEr-D as the E2E scorer), sacrebleu (13a, mixed case, with its signature), ter (sacreBLEU's), rouge (rouge_score ROUGE-1/2/L F1 with stemming, 0-1)."
            + " Default: the dataset's usual set.")
    List<String> metrics;

    @Inject
    EvaluateCommand() {}

    @Override
    public Integer call() {
        List<String> chosen = metrics != null ? metrics : DEFAULTS.getOrDefault(dataset, List.of("sacrebleu"));
        for (String metric : chosen) {
            if (!METRICS.containsKey(metric)) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Unknown metric '" + metric + "'; choose from " + METRICS.keySet());
            }
        }
        DatasetSplit items = Datasets.read(dataset, data, split);
        List<String> lines = readPredictions(items.evaluationItems().size());
        ObjectNode report = new ObjectMapper().createObjectNode();
        report.put("dataset", dataset);
        report.put("split", split);
        report.put("items", lines.size());
        report.put("references", items.referenceCount());
        boolean categories = items.evaluationItems().stream().anyMatch(item -> item.category().isPresent());
        if (categories) {
            scoreSubset(items.evaluationItems(), lines, item -> true, chosen, report.putObject("all"));
            scoreSubset(items.evaluationItems(), lines, item -> item.category().orElseThrow().seen(), chosen, report.putObject("seen"));
            scoreSubset(items.evaluationItems(), lines, item -> !item.category().orElseThrow().seen(), chosen, report.putObject("unseen"));
        }
        else {
            scoreSubset(items.evaluationItems(), lines, item -> true, chosen, report);
        }
        spec.commandLine().getOut().println(report.toPrettyString());
        return 0;
    }

    private void scoreSubset(List<EvaluationItem> items, List<String> lines, Predicate<EvaluationItem> keep, List<String> chosen, ObjectNode into) {
        List<String> hypotheses = new ArrayList<>();
        List<EvaluationItem> kept = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (keep.test(items.get(i))) {
                hypotheses.add(lines.get(i));
                kept.add(items.get(i));
            }
        }
        into.put("count", hypotheses.size());
        if (!hypotheses.isEmpty()) {
            chosen.forEach(metric -> METRICS.get(metric).score(dataset, hypotheses, kept, into));
        }
    }

    private List<String> readPredictions(int expected) {
        List<String> lines = TextFiles.readLines(predictions, "predictions file");
        if (lines.size() != expected) {
            throw new PeftException(StandardErrorCode.MALFORMED_DATASET, predictions + " has " + lines.size() + " lines but the " + dataset + " " + split
                    + " split has " + expected + " items: write one prediction per item, in order ('peft4j predict' does)");
        }
        return lines;
    }

    private static Map<String, Metric> metrics() {
        Map<String, Metric> metrics = new LinkedHashMap<>();
        ReferenceMetric e2eBleu = (hypotheses, references, into) -> into.put("BLEU", MtevalBleu.score(hypotheses, references).bleu());
        metrics.put("bleu", (dataset, hypotheses, items, into) -> {
            Optional<OfficialBleu> official = OfficialBleu.of(dataset).filter(any -> items.stream().noneMatch(item -> item.officialBleuReferences().isEmpty()));
            if (official.isPresent()) {
                MultiBleuScore score = official.get().score(hypotheses, items);
                into.put("BLEU", score.bleu());
                into.put("BLEU_script", official.get().command() + ": " + score);
            }
            else {
                e2eBleu.score(dataset, hypotheses, items, into);
            }
        });
        metrics.put("e2e_bleu", (ReferenceMetric) (hypotheses, references, into) ->
                into.put("BLEU_e2e", MtevalBleu.score(hypotheses, references).bleu()));
        metrics.put("nist", (ReferenceMetric) (hypotheses, references, into) -> into.put("NIST", Nist.score(hypotheses, references).nist()));
        metrics.put("rouge_l", (ReferenceMetric) (hypotheses, references, into) -> into.put("ROUGE_L", RougeCoco.score(hypotheses, references)));
        metrics.put("cider", (ReferenceMetric) (hypotheses, references, into) -> into.put("CIDEr", CiderD.score(hypotheses, references)));
        metrics.put("sacrebleu", (ReferenceMetric) (hypotheses, references, into) -> {
            SacreBleuScore score = SacreBleu.corpusScore(hypotheses, references);
            into.put("sacreBLEU", score.score());
            into.put("sacreBLEU_signature", score.signature());
        });
        metrics.put("ter", (ReferenceMetric) (hypotheses, references, into) -> {
            TerScore score = Ter.corpusScore(hypotheses, references);
            into.put("TER", score.score());
            into.put("TER_signature", score.signature());
        });
        metrics.put("rouge", (ReferenceMetric) (hypotheses, references, into) -> {
            RougeScores scores = RougeScore.score(hypotheses, references);
            into.put("rouge1", scores.rouge1().fmeasure());
            into.put("rouge2", scores.rouge2().fmeasure());
            into.put("rougeL", scores.rougeL().fmeasure());
        });
        return metrics;
    }
}
