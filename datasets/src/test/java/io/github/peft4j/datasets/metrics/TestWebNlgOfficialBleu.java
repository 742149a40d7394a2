package io.github.peft4j.datasets.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.datasets.Datasets;
import io.github.peft4j.datasets.EvaluationItem;
import io.github.peft4j.datasets.OfficialBleu;
import io.github.peft4j.testing.SharedData;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The WebNLG challenge's BLEU (evaluation.py, bleu_eval_3ref.sh) on the shared copy of the real data. */
final class TestWebNlgOfficialBleu {
    /** A WebNLG 2017 submission (BART-large): the challenge's scripts print 58.06 all, 64.51 seen, 50.20 unseen. */
    @Test
    void bartLargeSubmissionScoresAsTheChallengeScripts() {
        List<EvaluationItem> items = Datasets.read("webnlg", SharedData.require("webnlg2017"), "test").evaluationItems();
        List<String> predictions = MultiBleu.readLines(SharedData.require("webnlg2017/system-outputs/bartlarge.txt"));

        assertThat(score(items, predictions, item -> true).printedBleu()).isEqualTo(58.06);
        assertThat(score(items, predictions, item -> item.category().orElseThrow().seen()).printedBleu()).isEqualTo(64.51);
        assertThat(score(items, predictions, item -> !item.category().orElseThrow().seen()).printedBleu()).isEqualTo(50.20);
    }

    private static MultiBleuScore score(List<EvaluationItem> items, List<String> predictions, Predicate<EvaluationItem> track) {
        List<EvaluationItem> kept = new ArrayList<>();
        List<String> hypotheses = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (track.test(items.get(i))) {
                kept.add(items.get(i));
                hypotheses.add(predictions.get(i));
            }
        }
        return OfficialBleu.WEBNLG_CHALLENGE.score(hypotheses, kept);
    }
}
