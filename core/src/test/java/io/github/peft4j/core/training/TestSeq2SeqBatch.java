package io.github.peft4j.core.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.PeftException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The seq2seq batch the trainer builds for encoder-decoder models, and its unshifted loss. */
final class TestSeq2SeqBatch {
    private static final long PAD = 1;
    private static final long START = 2;
    private static final long X = CausalLmBatch.IGNORED;

    private static final List<TrainingExample> EXAMPLES = List.of(
            new TrainingExample(new long[] {0, 11, 12, 13, 2}, new long[] {0, 21, 22, 23, 2}),
            new TrainingExample(new long[] {0, 31, 32, 2}, new long[] {0, 41, 42, 43, 44, 2}));

    @Test
    void padsTheSourceMasksItShiftsTheLabelsRightAndPadsTheDecoderWhereLabelsAreIgnored() {
        Seq2SeqBatch batch = Seq2SeqBatch.of(EXAMPLES, PAD, START);

        assertThat(batch.sourceIds()).isDeepEqualTo(new long[][] {{0, 11, 12, 13, 2}, {0, 31, 32, 2, PAD}});
        assertThat(batch.sourceMask()).isDeepEqualTo(new long[][] {{1, 1, 1, 1, 1}, {1, 1, 1, 1, 0}});
        assertThat(batch.labels()).isDeepEqualTo(new long[][] {{0, 21, 22, 23, 2, X}, {0, 41, 42, 43, 44, 2}});
        assertThat(batch.decoderInputIds()).isDeepEqualTo(new long[][] {{START, 0, 21, 22, 23, 2}, {START, 0, 41, 42, 43, 44}});
        assertThat(batch.rows()).isEqualTo(2);
        assertThat(batch.predictedTokens()).as("every target token counts: no shift").isEqualTo(11);
        assertThat(batch.tokens()).isEqualTo(9 + 11);
    }

    @Test
    void aShortTargetLeavesPadsBehindItsEndInTheDecoderInput() {
        Seq2SeqBatch batch = Seq2SeqBatch.of(List.of(new TrainingExample(new long[] {5}, new long[] {7}),
                new TrainingExample(new long[] {5}, new long[] {7, 8, 9})), PAD, START);

        assertThat(batch.decoderInputIds()).isDeepEqualTo(new long[][] {{START, 7, PAD}, {START, 7, 8}});
        assertThat(batch.labels()).isDeepEqualTo(new long[][] {{7, X, X}, {7, 8, 9}});
    }

    @Test
    void theInputFeedsTheEncoderWithItsMaskAndTheDecoderWithTheShiftedLabels() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            ForwardInput input = Seq2SeqBatch.of(EXAMPLES, PAD, START).toInput(manager);

            assertThat(input.inputIds().getShape()).isEqualTo(new Shape(2, 5));
            assertThat(input.attentionMask().orElseThrow().toLongArray()).containsExactly(1, 1, 1, 1, 1, 1, 1, 1, 1, 0);
            assertThat(input.decoderInputIds().orElseThrow().toLongArray()).containsExactly(START, 0, 21, 22, 23, 2, START, 0, 41, 42, 43, 44);
            assertThat(input.decoderAttentionMask()).isEmpty();
        }
    }

    @Test
    void theLossIsTheMeanCrossEntropyOfEachPositionAgainstItsOwnLabel() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            // Vocabulary 3; row 0 has labels (2, ignored), row 1 has (0, 1).
            float[][] rows = {{0, 1, 2}, {5, 5, 5}, {1, 0, 0}, {0, 3, 0}};
            NDArray logits = manager.create(new float[] {0, 1, 2, 5, 5, 5, 1, 0, 0, 0, 3, 0}, new Shape(2, 2, 3));
            long[][] labels = {{2, X}, {0, 1}};
            double expected = (nll(rows[0], 2) + nll(rows[2], 0) + nll(rows[3], 1)) / 3;

            TokenTargets targets = TokenTargets.unshifted(labels);
            assertThat((double) targets.meanLoss(logits).getFloat()).isCloseTo(expected, within(1e-6));
            assertThat((double) targets.meanLoss(logits.reshape(4, 3).get(targets.positions(manager))).getFloat())
                    .as("logits at the counted positions only give the same loss").isCloseTo(expected, within(1e-6));
            assertThat(targets.positions()).containsExactly(0, 2, 3);
            assertThatThrownBy(() -> TokenTargets.unshifted(new long[][] {{X, X}, {X, X}})).isInstanceOf(PeftException.class)
                    .hasMessageContaining("no target token");
            assertThatThrownBy(() -> TokenTargets.unshifted(new long[][] {{3, X}, {0, 1}}).meanLoss(logits)).isInstanceOf(PeftException.class)
                    .hasMessageContaining("outside the vocabulary");
            assertThatThrownBy(() -> TokenTargets.unshifted(new long[][] {{0, 1, 2}}).meanLoss(logits)).isInstanceOf(PeftException.class)
                    .hasMessageContaining("match neither");
        }
    }

    private static double nll(float[] logits, int label) {
        double sum = 0;
        for (float logit : logits) {
            sum += Math.exp(logit);
        }
        return Math.log(sum) - logits[label];
    }
}
