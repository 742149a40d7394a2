package io.github.peft4j.core.generation;

import static io.github.peft4j.core.memory.MemoryLimits.MAX_ARRAY_LENGTH;
import static io.github.peft4j.core.memory.MemoryLimits.count;
import static io.github.peft4j.core.memory.MemoryLimits.saturatedMultiply;

import io.github.peft4j.core.memory.MemoryLimits;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.Locale;

/**
 * Whether a decoding job fits before any of it runs: its new tokens must fit the model's positions, and its
 * {@code rows * numBeams} rows must fit Java's array sizes and, with their key/value cache, the machine's memory.
 * All sizes are computed in {@code long} with overflow checks, so that huge options are refused with what to
 * lower instead of wrapping, or failing deep in an allocation.
 */
final class DecodingBudget {
    private static final long FLOAT_BYTES = Float.BYTES;

    private DecodingBudget() {}

    static void check(ModelGeometry geometry, ForwardInput prompt, AdapterHooks hooks, GenerationConfig config) {
        boolean encoderDecoder = prompt.decoderInputIds().isPresent();
        long rows = prompt.inputIds().getShape().get(0);
        long decoderWidth = (encoderDecoder ? prompt.decoderInputIds().get() : prompt.inputIds()).getShape().get(1);
        long encoderWidth = encoderDecoder ? prompt.inputIds().getShape().get(1) : 0;
        checkPositions(geometry, decoderWidth, hooks.positionOffset(Stack.DECODER), config.maxNewTokens());

        long beamRows = rows * config.numBeams();
        String what = String.format(Locale.ROOT, "Decoding %d prompts with %d beams", rows, config.numBeams());
        String lower = String.format(Locale.ROOT, "lower the beams (%d, --beams), the prompts decoded together (%d, --batch-size)", config.numBeams(), rows);
        long scores = saturatedMultiply(beamRows, geometry.vocabSize());
        if (beamRows > MAX_ARRAY_LENGTH || scores > MAX_ARRAY_LENGTH) {
            throw MemoryLimits.outOfMemory(String.format(Locale.ROOT, "%s scores %d rows x %d tokens = %s values a step, more than one Java array"
                    + " holds (%s); %s", what, beamRows, geometry.vocabSize(), count(scores), count(MAX_ARRAY_LENGTH), lower));
        }
        MemoryLimits limits = MemoryLimits.current();
        limits.requireHeapFits(what, saturatedMultiply(2 * FLOAT_BYTES, scores),
                String.format(Locale.ROOT, "a step for the scores of %d x %d tokens", beamRows, geometry.vocabSize()), lower);
        long selfLength = prefixLength(hooks, AttentionSite.DECODER_SELF) + decoderWidth + config.maxNewTokens();
        long crossLength = encoderDecoder ? prefixLength(hooks, AttentionSite.DECODER_CROSS) + encoderWidth : 0;
        long perPosition = saturatedMultiply(saturatedMultiply(2L * geometry.decoderLayers(), geometry.hiddenSize()), FLOAT_BYTES);
        long cache = saturatedMultiply(saturatedMultiply(beamRows, selfLength + crossLength), perPosition);
        limits.requireMachineFits(what + " and up to " + config.maxNewTokens() + " new tokens", cache, "for the key/value cache alone",
                lower + " or the new tokens (--max-new-tokens)");
    }

    private static void checkPositions(ModelGeometry geometry, long promptWidth, int offset, int maxNewTokens) {
        // The prompt takes positions offset .. offset + width - 1 and every new token but the last is fed back.
        long needed = offset + promptWidth + maxNewTokens - 1;
        if (needed <= geometry.maxPositions()) {
            return;
        }
        String prompt = promptWidth + "-token prompt" + (offset > 0 ? " numbered from position " + offset + " (after the prefix)" : "");
        long fit = geometry.maxPositions() - offset - promptWidth + 1;
        throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, fit >= 1
                ? String.format(Locale.ROOT, "Up to %d new tokens (--max-new-tokens) after a %s need %d positions, but the model has %d:"
                        + " at most %d new tokens fit; lower --max-new-tokens to %d or shorten the prompt", maxNewTokens, prompt, needed,
                        geometry.maxPositions(), fit, fit)
                : String.format(Locale.ROOT, "A %s leaves no room for new tokens in the model's %d positions: shorten the prompt", prompt,
                        geometry.maxPositions()));
    }

    private static long prefixLength(AdapterHooks hooks, AttentionSite site) {
        return hooks.attentionPrefix(site, 0).map(KeyValuePrefix::length).orElse(0);
    }
}
