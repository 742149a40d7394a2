package io.github.peft4j.cli;

import ai.djl.ndarray.NDManager;
import io.github.peft4j.core.generation.GeneratedSequence;
import io.github.peft4j.core.generation.GenerationConfig;
import io.github.peft4j.core.generation.Generator;
import io.github.peft4j.core.training.CausalLmText;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

/**
 * Generation from sources in the paper's decoder-only layout, shared by predict, ablate and the demo: prompts
 * are {@link CausalLmText#prompt}, decoded in left-padded batches, each output cut at the first end-of-text.
 */
public final class SourceDecoding {
    private SourceDecoding() {}

    /**
     * One output per source, in order.
     *
     * @param hooks the adapter's hooks for a pass in the given manager with the given batch size
     * @param progress told how many outputs are done after each batch
     */
    public static List<String> generate(ModelBackend backend, BiFunction<NDManager, Integer, AdapterHooks> hooks, List<String> sources,
            TextTokenizer tokenizer, long eos, GenerationConfig config, int batchSize, NDManager manager, IntConsumer progress) {
        List<String> outputs = new ArrayList<>(sources.size());
        for (int start = 0; start < sources.size(); start += batchSize) {
            List<String> batch = sources.subList(start, Math.min(sources.size(), start + batchSize));
            try (NDManager pass = manager.newSubManager()) {
                for (List<GeneratedSequence> best : Generator.generate(backend, leftPadded(batch, tokenizer, eos, pass), hooks.apply(pass, batch.size()), config)) {
                    outputs.add(untilEndOfText(best.get(0).tokens(), tokenizer, eos));
                }
            }
            progress.accept(outputs.size());
        }
        return outputs;
    }

    /** Prompts of a batch, left-padded with {@code eos} under mask 0 so that every row ends with its last real token. */
    static ForwardInput leftPadded(List<String> sources, TextTokenizer tokenizer, long eos, NDManager manager) {
        List<long[]> prompts = sources.stream().map(source -> CausalLmText.prompt(source, tokenizer, eos)).toList();
        int width = prompts.stream().mapToInt(prompt -> prompt.length).max().orElseThrow();
        long[][] ids = new long[prompts.size()][width];
        long[][] mask = new long[prompts.size()][width];
        for (int row = 0; row < prompts.size(); row++) {
            long[] prompt = prompts.get(row);
            Arrays.fill(ids[row], eos);
            System.arraycopy(prompt, 0, ids[row], width - prompt.length, prompt.length);
            Arrays.fill(mask[row], width - prompt.length, width, 1);
        }
        return ForwardInput.of(manager.create(ids)).withAttentionMask(manager.create(mask));
    }

    /** The generated text up to the first end-of-text, on one line. */
    static String untilEndOfText(long[] tokens, TextTokenizer tokenizer, long eos) {
        int end = 0;
        while (end < tokens.length && tokens[end] != eos) {
            end++;
        }
        return tokenizer.decode(Arrays.copyOf(tokens, end)).replace('\n', ' ').strip();
    }

    /** Single tokens that stand for newlines (GPT-2: "\n" and "\n\n"), which the paper bans in table-to-text. */
    public static long[] newlineTokens(TextTokenizer tokenizer) {
        return Stream.of("\n", "\n\n").map(tokenizer::encode).filter(ids -> ids.length == 1).mapToLong(ids -> ids[0]).distinct().toArray();
    }
}
