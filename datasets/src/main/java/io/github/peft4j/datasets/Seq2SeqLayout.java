package io.github.peft4j.datasets;

import io.github.peft4j.core.training.TokenLimits;
import io.github.peft4j.core.training.TrainingExample;
import io.github.peft4j.spi.TextTokenizer;
import java.util.List;

/**
 * The layout for an encoder–decoder model (BART): source and target encoded separately, each as
 * {@code <s> text </s>}, which is what a Hugging Face BART tokenizer makes of a text with its special tokens
 * (the paper's summarisation code tokenises source and summary that way). The {@link TrainingExample}'s source
 * is the encoder input and its target the labels; the backend derives the decoder input from the labels.
 */
public final class Seq2SeqLayout {
    private Seq2SeqLayout() {}

    /** The training example of one sample. */
    public static TrainingExample example(Sample sample, TextTokenizer tokenizer, long beginOfText, long endOfText) {
        return new TrainingExample(encoderInput(sample.source(), tokenizer, beginOfText, endOfText),
                wrap(tokenizer.encode(sample.target()), beginOfText, endOfText));
    }

    /**
     * The training examples of the samples, in order, each checked against the model that will read it: a sample
     * whose tokens do not fit is refused naming where it was read ({@link Sample#where}).
     */
    public static List<TrainingExample> examples(List<Sample> samples, TextTokenizer tokenizer, long beginOfText, long endOfText,
            TokenLimits limits) {
        return samples.stream().map(sample -> {
            TrainingExample example = example(sample, tokenizer, beginOfText, endOfText);
            limits.check(example, sample.where());
            return example;
        }).toList();
    }

    /** The encoder input for a source: {@code [beginOfText] + encode(source) + [endOfText]}. */
    public static long[] encoderInput(String source, TextTokenizer tokenizer, long beginOfText, long endOfText) {
        return wrap(tokenizer.encode(source), beginOfText, endOfText);
    }

    private static long[] wrap(long[] ids, long first, long last) {
        long[] wrapped = new long[ids.length + 2];
        wrapped[0] = first;
        System.arraycopy(ids, 0, wrapped, 1, ids.length);
        wrapped[ids.length + 1] = last;
        return wrapped;
    }
}
