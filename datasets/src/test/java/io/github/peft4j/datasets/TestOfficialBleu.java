package io.github.peft4j.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.peft4j.datasets.metrics.MultiBleuScore;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How each dataset's official BLEU pre-processes the predictions before multi-bleu.perl. */
final class TestOfficialBleu {
    private static final EvaluationItem SAO_PAULO = new EvaluationItem("source", List.of("S\u00e3o Paulo\u2019s country is Brazil."),
            Optional.empty(), List.of("sao paulo ' s country is brazil .", "", ""));

    /** WebNLG: the prediction is ASCII-folded, lowercased and tokenised as the references, then scored with -lc. */
    @Test
    void webNlgPreProcessesPredictionsAsTheReferences() {
        assertThat(OfficialBleu.WEBNLG_CHALLENGE.hypothesis("S\u00e3o Paulo\u2019s country is BRAZIL.")).isEqualTo("sao paulo ' s country is brazil .");
        MultiBleuScore score = OfficialBleu.WEBNLG_CHALLENGE.score(List.of("S\u00e3o Paulo\u2019s country is Brazil."), List.of(SAO_PAULO));
        assertThat(score.bleu()).isCloseTo(100, within(1e-9));
    }

    /** DART scores the predictions as they are: case and tokenisation count. */
    @Test
    void dartTakesPredictionsAsTheyAre() {
        assertThat(OfficialBleu.DART.hypothesis("S\u00e3o Paulo\u2019s country is Brazil.")).isEqualTo("S\u00e3o Paulo\u2019s country is Brazil.");
        assertThat(OfficialBleu.DART.score(List.of("sao paulo ' s country is brazil ."), List.of(SAO_PAULO)).bleu()).isCloseTo(100, within(1e-9));
        assertThat(OfficialBleu.DART.score(List.of("Sao Paulo's country is Brazil."), List.of(SAO_PAULO)).bleu()).isZero();
    }

    @Test
    void onlyDartAndWebNlgHaveOne() {
        assertThat(OfficialBleu.of("dart")).contains(OfficialBleu.DART);
        assertThat(OfficialBleu.of("webnlg")).contains(OfficialBleu.WEBNLG_CHALLENGE);
        assertThat(OfficialBleu.of("e2e")).isEmpty();
    }
}
