package io.github.peft4j.cli;

import ai.djl.ndarray.NDManager;
import io.github.peft4j.core.generation.GeneratedSequence;
import io.github.peft4j.core.generation.GenerationConfig;
import io.github.peft4j.core.generation.MixedAdapters;
import io.github.peft4j.core.training.CausalLmText;
import io.github.peft4j.datasets.Seq2SeqLayout;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.SpecialTokens;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.spi.TextTokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * Generation from sources in the paper's layouts, shared by predict, ablate and the demo: for a decoder-only model
 * prompts are {@link CausalLmText#prompt}, decoded in left-padded batches; for an encoder-decoder model the
 * encoder reads {@link Seq2SeqLayout#encoderInput} (right-padded) and the decoder starts from the decoder start
 * token, and generated {@code <s>} and padding tokens are dropped. Each output is cut at the first end-of-text.
 */
public final class SourceDecoding {
    private SourceDecoding() {}

    /** One output per source, in order, every source steered by {@code hooks} (computed once, for a batch of 1). */
    public static List<String> generate(ModelBackend backend, AdapterHooks hooks, List<String> sources, TextTokenizer tokenizer, long eos,
            GenerationConfig config, int batchSize, NDManager manager, IntConsumer progress) {
        return generate(backend, MixedAdapters.of(backend.geometry(), List.of(hooks)), new int[sources.size()], sources, tokenizer, eos, config,
                batchSize, manager, progress);
    }

    /**
     * One output per source, in order, source {@code i} steered by choice {@code adapterOfRow[i]} of {@code adapters}; rows
     * are decoded in the batches {@link MixedAdapters#batches} forms.
     *
     * @param progress told how many outputs are done after each batch
     */
    public static List<String> generate(ModelBackend backend, MixedAdapters adapters, int[] adapterOfRow, List<String> sources,
            TextTokenizer tokenizer, long eos, GenerationConfig config, int batchSize, NDManager manager, IntConsumer progress) {
        boolean encoderDecoder = backend.geometry().isEncoderDecoder();
        int positions = backend.geometry().maxPositions();
        List<List<GeneratedSequence>> outputs = adapters.generate(backend, adapterOfRow, batchSize, (rows, pass) -> {
            List<String> batch = IntStream.of(rows).mapToObj(sources::get).toList();
            if (encoderDecoder) {
                return encoderDecoderInput(batch, tokenizer, backend.specialTokens(), eos, pass);
            }
            List<long[]> prompts = batch.stream().map(source -> CausalLmText.prompt(source, tokenizer, eos)).toList();
            for (int i = 0; i < rows.length; i++) {
                if (prompts.get(i).length >= positions) {
                    throw new PeftException(StandardErrorCode.MALFORMED_DATASET, "Source " + (rows[i] + 1) + " of the split (\"" + abbreviated(batch.get(i))
                            + "\") is " + prompts.get(i).length + " tokens long as laid out, which leaves no room for new tokens in the model's " + positions
                            + " positions: shorten it or leave it out");
                }
            }
            return leftPadded(prompts, eos, pass);
        }, config, manager, progress);
        return outputs.stream().map(best -> {
            long[] tokens = best.get(0).tokens();
            return untilEndOfText(encoderDecoder ? withoutStartOrPadding(tokens, backend.specialTokens()) : tokens, tokenizer, eos);
        }).toList();
    }

    private static String abbreviated(String text) {
        return text.length() > 60 ? text.substring(0, 57) + "..." : text;
    }

    /** Prompts of a batch, left-padded with {@code pad} under mask 0 so that every row ends with its last real token. */
    static ForwardInput leftPadded(List<long[]> prompts, long pad, NDManager manager) {
        int width = prompts.stream().mapToInt(prompt -> prompt.length).max().orElseThrow();
        long[][] ids = new long[prompts.size()][width];
        long[][] mask = new long[prompts.size()][width];
        for (int row = 0; row < prompts.size(); row++) {
            long[] prompt = prompts.get(row);
            Arrays.fill(ids[row], pad);
            System.arraycopy(prompt, 0, ids[row], width - prompt.length, prompt.length);
            Arrays.fill(mask[row], width - prompt.length, width, 1);
        }
        return ForwardInput.of(manager.create(ids)).withAttentionMask(manager.create(mask));
    }

    /**
     * An encoder-decoder batch: each source laid out as {@link Seq2SeqLayout#encoderInput} ({@code <s> text </s>}),
     * right-padded with the pad id under mask 0; every row's decoder starts with the decoder start token alone.
     */
    static ForwardInput encoderDecoderInput(List<String> sources, TextTokenizer tokenizer, SpecialTokens special, long eos, NDManager manager) {
        long bos = special.bos().orElse(0);
        long pad = special.pad().orElse(eos);
        long start = special.decoderStart().orElse(eos);
        List<long[]> inputs = sources.stream().map(source -> Seq2SeqLayout.encoderInput(source, tokenizer, bos, eos)).toList();
        int width = inputs.stream().mapToInt(input -> input.length).max().orElseThrow();
        long[][] ids = new long[inputs.size()][width];
        long[][] mask = new long[inputs.size()][width];
        long[][] decoder = new long[inputs.size()][];
        for (int row = 0; row < inputs.size(); row++) {
            long[] input = inputs.get(row);
            Arrays.fill(ids[row], pad);
            System.arraycopy(input, 0, ids[row], 0, input.length);
            Arrays.fill(mask[row], 0, input.length, 1);
            decoder[row] = new long[] {start};
        }
        return ForwardInput.of(manager.create(ids)).withAttentionMask(manager.create(mask)).withDecoderInput(manager.create(decoder), Optional.empty());
    }

    /**
     * {@code tokens} without the begin-of-text and padding tokens (BART's {@code <s>} and {@code <pad>}), which
     * Hugging Face's {@code skip_special_tokens} leaves out of the text too.
     */
    static long[] withoutStartOrPadding(long[] tokens, SpecialTokens special) {
        return LongStream.of(tokens).filter(id -> !is(special.bos(), id) && !is(special.pad(), id)).toArray();
    }

    private static boolean is(OptionalLong token, long id) {
        return token.isPresent() && token.getAsLong() == id;
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
