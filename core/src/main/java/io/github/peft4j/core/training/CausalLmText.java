package io.github.peft4j.core.training;

import io.github.peft4j.spi.TextTokenizer;
import java.util.Arrays;

/**
 * Li &amp; Liang's layout for a decoder-only model (GPT-2): the text
 * {@code ' ' + source + ' <|endoftext|> ' + target + ' <|endoftext|>'}, with the source and the separator
 * masked out of the loss.
 *
 * <p>As token ids: {@code encode(" " + source + " ") + [eos]} is the unscored source and
 * {@code encode(" " + target + " ") + [eos]} the scored target. Their concatenation is exactly the tokenisation
 * of the whole string, not an approximation: Hugging Face's GPT-2 tokenizers (transformers 3.2, which the
 * paper's code used, and later; also the fast ones) cut the text at {@code <|endoftext|>} before BPE and, the
 * token being registered without {@code lstrip}/{@code rstrip}, keep the spaces on both sides, so each piece
 * is encoded on its own just as here. The space before each {@code <|endoftext|>} thus stays in the ids, as
 * a whitespace token, as in the paper's training data, and the target's leading space makes its first word the
 * space-prefixed token that generation produces after the separator.
 *
 * <p>Generation conditions on {@link #prompt}, the same ids as a training example's source: the paper's
 * {@code ' ' + source + ' <|endoftext|>'}.
 */
public final class CausalLmText {
    private CausalLmText() {}

    /** The training example of one text pair. */
    public static TrainingExample example(String source, String target, TextTokenizer tokenizer, long endOfText) {
        return new TrainingExample(prompt(source, tokenizer, endOfText), append(tokenizer.encode(" " + target + " "), endOfText));
    }

    /** What the model reads before generating: {@code encode(" " + source + " ") + [endOfText]}. */
    public static long[] prompt(String source, TextTokenizer tokenizer, long endOfText) {
        return append(tokenizer.encode(" " + source + " "), endOfText);
    }

    private static long[] append(long[] ids, long id) {
        long[] longer = Arrays.copyOf(ids, ids.length + 1);
        longer[ids.length] = id;
        return longer;
    }
}
