package io.github.peft4j.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.peft4j.spi.ForwardInput;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A right-padded encoder-decoder batch, as Hugging Face's seq2seq training builds it: the encoder reads the source
 * padded with {@code padId} under mask 0; the labels are the target padded with {@link CausalLmBatch#IGNORED};
 * the decoder reads the labels shifted right behind {@code decoderStartId}, with {@code padId} where a label is
 * ignored ({@code shift_tokens_right}), and gets no padding mask (it is causal, so padding after a row's end
 * changes none of its real positions). The loss is not shifted: the logits at t predict the label at t
 * ({@link TokenTargets#unshifted}).
 *
 * @param sourceIds encoder input {@code [batch, S]}
 * @param sourceMask 1 on real source tokens, 0 on padding
 * @param decoderInputIds decoder input {@code [batch, T]}
 * @param labels {@code [batch, T]}, {@link CausalLmBatch#IGNORED} on padding
 */
public record Seq2SeqBatch(long[][] sourceIds, long[][] sourceMask, long[][] decoderInputIds, long[][] labels) implements TrainingBatch {
    /**
     * Batches {@code examples}: {@link TrainingExample#source()} feeds the encoder, {@link TrainingExample#target()}
     * is what the decoder learns to produce. If every source is empty, the encoder gets one pad column under mask 0.
     */
    public static Seq2SeqBatch of(List<TrainingExample> examples, long padId, long decoderStartId) {
        int sourceWidth = Math.max(1, examples.stream().mapToInt(e -> e.source().length).max().orElseThrow());
        int targetWidth = examples.stream().mapToInt(e -> e.target().length).max().orElseThrow();
        long[][] source = new long[examples.size()][sourceWidth];
        long[][] mask = new long[examples.size()][sourceWidth];
        long[][] decoder = new long[examples.size()][targetWidth];
        long[][] labels = new long[examples.size()][targetWidth];
        for (int row = 0; row < examples.size(); row++) {
            TrainingExample example = examples.get(row);
            Arrays.fill(source[row], padId);
            System.arraycopy(example.source(), 0, source[row], 0, example.source().length);
            Arrays.fill(mask[row], 0, example.source().length, 1);
            Arrays.fill(labels[row], CausalLmBatch.IGNORED);
            System.arraycopy(example.target(), 0, labels[row], 0, example.target().length);
            decoder[row][0] = decoderStartId;
            for (int t = 1; t < targetWidth; t++) {
                long previous = labels[row][t - 1];
                decoder[row][t] = previous == CausalLmBatch.IGNORED ? padId : previous;
            }
        }
        return new Seq2SeqBatch(source, mask, decoder, labels);
    }

    @Override
    public int rows() {
        return labels.length;
    }

    /** Real source tokens plus real target tokens. */
    @Override
    public long tokens() {
        return Arrays.stream(sourceMask).flatMapToLong(Arrays::stream).sum() + predictedTokens();
    }

    /** Labels that are not ignored (every target token: the loss is not shifted). */
    @Override
    public long predictedTokens() {
        return Arrays.stream(labels).flatMapToLong(Arrays::stream).filter(label -> label != CausalLmBatch.IGNORED).count();
    }

    /** The unshifted targets ({@link TokenTargets#unshifted}). */
    public TokenTargets targets() {
        return TokenTargets.unshifted(labels);
    }

    /** The batch's input, asking for the decoder's logits at labelled positions only. */
    @Override
    public ForwardInput toInput(NDManager manager) {
        return ForwardInput.of(manager.create(sourceIds)).withAttentionMask(manager.create(sourceMask))
                .withDecoderInput(manager.create(decoderInputIds), Optional.empty()).withLogitPositions(targets().positions(manager));
    }

    /** The mean unshifted loss ({@link TokenTargets#meanLoss}). */
    @Override
    public NDArray loss(NDArray logits) {
        return targets().meanLoss(logits);
    }
}
