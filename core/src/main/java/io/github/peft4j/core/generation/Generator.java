package io.github.peft4j.core.generation;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.DecodingState;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Greedy decoding and beam search over any model that offers a {@link DecodingState}, decoder-only or
 * encoder-decoder alike, with Hugging Face transformers' semantics (see {@link GenerationConfig}).
 *
 * <p>The state is driven only through its interface: beam search first expands it to {@code rows * numBeams} rows
 * with {@link DecodingState#selectRows} (row {@code b * numBeams + k} continues row {@code b}) and reorders it the
 * same way each step. Every array this class hands to {@link DecodingState#append} or
 * {@link DecodingState#selectRows} is closed when that call returns: a state must copy whatever it keeps.
 */
public final class Generator {
    private Generator() {
    }

    /**
     * Starts decoding {@code prompt} on {@code backend}, generates, and closes the decoding state. The decoder-side
     * prompt of each row (the {@code decoderInputIds} of an encoder-decoder prompt, else its {@code inputIds}),
     * without the positions its mask sets to 0, counts as that row's sequence for {@code noRepeatNgramSize} and
     * {@code forcedBosTokenId}. An encoder-decoder prompt must therefore name its decoder input (e.g. BART's decoder
     * start token), or the encoder's ids would be taken for the decoder's. Work that cannot fit is refused before the
     * model runs: new tokens beyond the model's positions (INVALID_ARGUMENT), and rows, scores or a key/value cache
     * beyond Java's array sizes, its heap or the machine's memory (OUT_OF_MEMORY).
     *
     * @return per prompt row, its {@code numReturnSequences} best outputs, best first
     */
    public static List<List<GeneratedSequence>> generate(ModelBackend backend, ForwardInput prompt,
            AdapterHooks hooks, GenerationConfig config) {
        requireNonNull(backend, "backend");
        requireNonNull(config, "config");
        requireNonNull(prompt, "prompt");
        if (backend.geometry().isEncoderDecoder() && prompt.decoderInputIds().isEmpty()) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "The " + backend.family() + " model is an encoder-decoder: give the"
                    + " prompt's decoder input ids too (usually one decoder start token per row), so that generation knows the decoder's sequence");
        }
        DecodingBudget.check(backend.geometry(), prompt, requireNonNull(hooks, "hooks"), config);
        List<long[]> decoderPrompts = decoderPrompts(prompt);
        try (DecodingState state = backend.startDecoding(prompt, hooks)) {
            return generate(state, decoderPrompts, config);
        }
    }

    /**
     * Generates from a state already started on a batch, whose rows are the input rows; n-grams are only checked
     * within the generated tokens. The state is left open (and advanced).
     *
     * @return per state row, its {@code numReturnSequences} best outputs, best first
     */
    public static List<List<GeneratedSequence>> generate(DecodingState state, GenerationConfig config) {
        requireNonNull(state, "state");
        return generate(state, Collections.nCopies(state.rows(), new long[0]), config);
    }

    /**
     * Generates from a state already started on a batch, whose rows are the input rows. {@code decoderPrompts}
     * holds, per row, the decoder tokens the state was started with; only {@code noRepeatNgramSize} looks at them
     * (Hugging Face checks n-grams over the whole decoder sequence). The state is left open (and advanced).
     *
     * @return per state row, its {@code numReturnSequences} best outputs, best first
     */
    public static List<List<GeneratedSequence>> generate(DecodingState state, List<long[]> decoderPrompts,
            GenerationConfig config) {
        requireNonNull(state, "state");
        requireNonNull(config, "config");
        List<long[]> prompts = List.copyOf(requireNonNull(decoderPrompts, "decoderPrompts"));
        if (prompts.size() != state.rows()) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Got decoder prompts for " + prompts.size()
                    + " rows but the decoding state has " + state.rows() + ": pass one prompt per row");
        }
        if (prompts.isEmpty()) {
            return List.of();
        }
        try (DecodingSteps steps = new DecodingSteps(state)) {
            LogitsProcessors processors = new LogitsProcessors(config, steps.vocabSize());
            return config.isBeamSearch()
                    ? BeamSearch.run(steps, prompts, config, processors)
                    : GreedySearch.run(steps, prompts, config, processors);
        }
    }

    private static List<long[]> decoderPrompts(ForwardInput prompt) {
        boolean encoderDecoder = prompt.decoderInputIds().isPresent();
        NDArray ids = encoderDecoder ? prompt.decoderInputIds().get() : prompt.inputIds();
        Optional<NDArray> mask = encoderDecoder ? prompt.decoderAttentionMask() : prompt.attentionMask();
        int rows = Math.toIntExact(ids.getShape().get(0));
        int length = Math.toIntExact(ids.getShape().get(1));
        long[] tokens = toLongs(ids);
        long[] keep = mask.isPresent() ? toLongs(mask.get()) : null;
        List<long[]> prompts = new ArrayList<>(rows);
        for (int row = 0; row < rows; row++) {
            long[] kept = new long[length];
            int count = 0;
            for (int column = 0; column < length; column++) {
                int index = row * length + column;
                if (keep == null || keep[index] != 0) {
                    kept[count++] = tokens[index];
                }
            }
            prompts.add(Arrays.copyOf(kept, count));
        }
        return prompts;
    }

    private static long[] toLongs(NDArray array) {
        if (array.getDataType() == DataType.INT64) {
            return array.toLongArray();
        }
        try (NDArray widened = array.toType(DataType.INT64, true)) {
            return widened.toLongArray();
        }
    }
}
