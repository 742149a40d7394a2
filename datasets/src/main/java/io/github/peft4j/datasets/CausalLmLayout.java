package io.github.peft4j.datasets;

import io.github.peft4j.core.training.CausalLmText;
import io.github.peft4j.core.training.TokenLimits;
import io.github.peft4j.core.training.TrainingExample;
import io.github.peft4j.spi.TextTokenizer;
import java.util.List;

/** A dataset's samples as decoder-only (GPT-2) training examples, in the paper's layout ({@link CausalLmText}). */
public final class CausalLmLayout {
    private CausalLmLayout() {}

    /** The training example of one sample. */
    public static TrainingExample example(Sample sample, TextTokenizer tokenizer, long endOfText) {
        return CausalLmText.example(sample.source(), sample.target(), tokenizer, endOfText);
    }

    /**
     * The training examples of the samples, in order, each checked against the model that will read it: a sample
     * whose tokens do not fit is refused naming where it was read ({@link Sample#where}).
     */
    public static List<TrainingExample> examples(List<Sample> samples, TextTokenizer tokenizer, long endOfText, TokenLimits limits) {
        return samples.stream().map(sample -> {
            TrainingExample example = example(sample, tokenizer, endOfText);
            limits.check(example, sample.where());
            return example;
        }).toList();
    }
}
