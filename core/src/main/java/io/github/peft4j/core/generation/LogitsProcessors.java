package io.github.peft4j.core.generation;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * The logits processors of Hugging Face transformers that {@link GenerationConfig} enables, applied in place to
 * one row of log-probabilities: {@code MinNewTokensLengthLogitsProcessor} (end-of-sequence ids get -inf while
 * fewer than {@code minNewTokens} tokens were generated), {@code NoBadWordsLogitsProcessor} restricted to
 * single-token bans, and {@code NoRepeatNGramLogitsProcessor} (any token that would complete an n-gram already
 * present in the row's sequence gets -inf). Each only writes -inf, so their order does not matter. Then, as
 * transformers applies them after those, {@code ForcedBOSTokenLogitsProcessor} (when the row's decoder sequence is
 * one token long, every id but {@code forcedBosTokenId} gets -inf and it gets 0) and
 * {@code ForcedEOSTokenLogitsProcessor} (the same for {@code forcedEosTokenId} at the {@code maxNewTokens}-th
 * generated token, i.e. when transformers' {@code cur_len == max_length - 1}); a forced token overrides the
 * other processors' bans.
 */
final class LogitsProcessors {
    private final int vocabSize;
    private final int minNewTokens;
    private final int[] eosIds;
    private final int[] bannedIds;
    private final int ngramSize;
    private final int maxNewTokens;
    private final int forcedBos;
    private final int forcedEos;

    LogitsProcessors(GenerationConfig config, int vocabSize) {
        this.vocabSize = vocabSize;
        this.maxNewTokens = config.maxNewTokens();
        this.forcedBos = forcedId(GenerationConfig.FORCED_BOS_NAME, config.forcedBosTokenId(), vocabSize);
        this.forcedEos = forcedId(GenerationConfig.FORCED_EOS_NAME, config.forcedEosTokenId(), vocabSize);
        this.minNewTokens = config.minNewTokens();
        this.eosIds = checkedIds("eosTokenIds (--eos-ids)", config.eosTokenIds(), vocabSize);
        this.bannedIds = checkedIds("bannedTokenIds (--ban-ids)", config.bannedTokenIds(), vocabSize);
        this.ngramSize = config.noRepeatNgramSize();
        if (config.padTokenId() >= vocabSize) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "padTokenId " + config.padTokenId()
                    + " is outside the model's vocabulary of " + vocabSize + " tokens: use an id below " + vocabSize);
        }
        Set<Long> bannedAtStart = new TreeSet<>(config.bannedTokenIds());
        if (minNewTokens > 0) {
            bannedAtStart.addAll(config.eosTokenIds());
        }
        if (bannedAtStart.size() >= vocabSize) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "bannedTokenIds (--ban-ids)"
                    + (minNewTokens > 0 ? " and eosTokenIds (banned until minNewTokens)" : "")
                    + " cover the whole vocabulary of " + vocabSize
                    + " tokens, so nothing can be generated: ban fewer ids");
        }
    }

    int vocabSize() {
        return vocabSize;
    }

    /** Whether {@code token} is one of the configured end-of-sequence ids. */
    boolean isEos(long token) {
        for (int eos : eosIds) {
            if (eos == token) {
                return true;
            }
        }
        return false;
    }

    int eosCount() {
        return eosIds.length;
    }

    /**
     * Applies every processor to {@code scores[offset, offset + vocabSize)}, the next-token log-probabilities of a
     * row whose decoder sequence is {@code sequence} (prompt followed by the {@code generated} tokens so far).
     */
    void apply(float[] scores, int offset, long[] sequence, int generated) {
        if (generated < minNewTokens) {
            for (int eos : eosIds) {
                scores[offset + eos] = Float.NEGATIVE_INFINITY;
            }
        }
        for (int banned : bannedIds) {
            scores[offset + banned] = Float.NEGATIVE_INFINITY;
        }
        if (ngramSize > 0) {
            banRepeatedNgrams(scores, offset, sequence);
        }
        if (forcedBos >= 0 && sequence.length == 1) {
            force(scores, offset, forcedBos);
        }
        if (forcedEos >= 0 && generated == maxNewTokens - 1) {
            force(scores, offset, forcedEos);
        }
    }

    private void force(float[] scores, int offset, int token) {
        Arrays.fill(scores, offset, offset + vocabSize, Float.NEGATIVE_INFINITY);
        scores[offset + token] = 0f;
    }

    /**
     * Bans every token that follows an earlier occurrence of the sequence's last {@code ngramSize - 1} tokens; with
     * fewer than {@code ngramSize - 1} tokens nothing is banned, with size 1 every token already present is.
     */
    private void banRepeatedNgrams(float[] scores, int offset, long[] sequence) {
        int keyLength = ngramSize - 1;
        int length = sequence.length;
        if (length < keyLength) {
            return;
        }
        int keyStart = length - keyLength;
        for (int start = 0; start + keyLength < length; start++) {
            long next = sequence[start + keyLength];
            if (next >= 0 && next < vocabSize && matches(sequence, start, keyStart, keyLength)) {
                scores[offset + (int) next] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    private static boolean matches(long[] sequence, int start, int keyStart, int keyLength) {
        for (int i = 0; i < keyLength; i++) {
            if (sequence[start + i] != sequence[keyStart + i]) {
                return false;
            }
        }
        return true;
    }

    /** The forced id, or -1 when none. */
    private static int forcedId(String name, OptionalLong id, int vocabSize) {
        if (id.isEmpty()) {
            return -1;
        }
        if (id.getAsLong() >= vocabSize) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, name + " is " + id.getAsLong()
                    + ", outside the model's vocabulary of " + vocabSize + " tokens: use an id below " + vocabSize);
        }
        return (int) id.getAsLong();
    }

    private static int[] checkedIds(String name, Set<Long> ids, int vocabSize) {
        int[] checked = new int[ids.size()];
        int i = 0;
        for (long id : new TreeSet<>(ids)) {
            if (id >= vocabSize) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, name + " holds " + id
                        + ", outside the model's vocabulary of " + vocabSize + " tokens: use ids below " + vocabSize);
            }
            checked[i++] = (int) id;
        }
        return checked;
    }
}
