package io.github.peft4j.core.generation;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How to decode: greedy ({@code numBeams == 1}) or beam search, with Hugging Face transformers' meaning for every
 * option. Start from {@link #greedy} or {@link #beamSearch} and refine with the {@code withX} methods; every
 * constructor call validates, so set {@code numBeams} and {@code maxNewTokens} before the options bounded by them.
 * Messages name each field with the CLI option that sets it (e.g. {@code numBeams (--beams)}): most users meet them there.
 *
 * @param numBeams beams per input row; 1 means greedy decoding
 * @param maxNewTokens most tokens generated per row, an emitted end-of-sequence token included
 * @param minNewTokens tokens every row generates before an end-of-sequence token may be emitted
 * @param lengthPenalty exponent of the generated length that divides a beam hypothesis' summed log-probability;
 *     above 0 favours longer outputs, below 0 shorter ones (beam search only)
 * @param earlyStopping beam search stops for a row as soon as {@code numBeams} hypotheses have finished; when
 *     false it stops once the best running beam, scored at its current length, cannot beat the worst finished one
 * @param bannedTokenIds ids that are never generated
 * @param eosTokenIds ids that end a row when generated (the id is kept as the row's last token); empty means rows
 *     run to {@code maxNewTokens}
 * @param padTokenId the token fed to rows that have finished while others go on
 * @param numReturnSequences best hypotheses returned per input row, at most {@code numBeams}
 * @param noRepeatNgramSize no n-gram of this size occurs twice in the decoder's sequence (prompt included); 0 is
 *     off
 * @param forcedBosTokenId the token every row must generate first when its decoder sequence so far is a single
 *     token (Hugging Face's {@code forced_bos_token_id}, {@code ForcedBOSTokenLogitsProcessor}: BART's decoder
 *     starts with {@code </s>} and is made to continue with {@code <s>}); empty is off
 * @param forcedEosTokenId the token every row must generate as its last one, at its {@code maxNewTokens}-th
 *     token (Hugging Face's {@code forced_eos_token_id}, {@code ForcedEOSTokenLogitsProcessor}); empty is off
 */
public record GenerationConfig(
        int numBeams,
        int maxNewTokens,
        int minNewTokens,
        double lengthPenalty,
        boolean earlyStopping,
        Set<Long> bannedTokenIds,
        Set<Long> eosTokenIds,
        long padTokenId,
        int numReturnSequences,
        int noRepeatNgramSize,
        OptionalLong forcedBosTokenId,
        OptionalLong forcedEosTokenId) {
    /** How messages name the forced tokens: by the key users set, in the model's generation_config.json (or config.json). */
    public static final String FORCED_BOS_NAME = "forced_bos_token_id (of the model's generation_config.json or config.json)";
    public static final String FORCED_EOS_NAME = "forced_eos_token_id (of the model's generation_config.json or config.json)";

    /** Greedy decoding of at most 20 new tokens, no end-of-sequence token, no constraints. */
    public static final GenerationConfig DEFAULT = new GenerationConfig(1, 20, 0, 1.0, false, Set.of(), Set.of(), 0,
            1, 0);

    /** A configuration without forced tokens. */
    public GenerationConfig(int numBeams, int maxNewTokens, int minNewTokens, double lengthPenalty,
            boolean earlyStopping, Set<Long> bannedTokenIds, Set<Long> eosTokenIds, long padTokenId,
            int numReturnSequences, int noRepeatNgramSize) {
        this(numBeams, maxNewTokens, minNewTokens, lengthPenalty, earlyStopping, bannedTokenIds, eosTokenIds,
                padTokenId, numReturnSequences, noRepeatNgramSize, OptionalLong.empty(), OptionalLong.empty());
    }

    public GenerationConfig {
        if (numBeams < 1) {
            throw invalid("numBeams (--beams) must be at least 1 (1 = greedy), got " + numBeams);
        }
        if (maxNewTokens < 1) {
            throw invalid("maxNewTokens (--max-new-tokens) must be at least 1, got " + maxNewTokens);
        }
        if (minNewTokens < 0 || minNewTokens > maxNewTokens) {
            throw invalid("minNewTokens (--min-new-tokens) must be between 0 and maxNewTokens (--max-new-tokens, " + maxNewTokens + "), got "
                    + minNewTokens + ": lower it or raise maxNewTokens first");
        }
        if (!Double.isFinite(lengthPenalty)) {
            throw invalid("lengthPenalty (--length-penalty) must be a finite number, got " + lengthPenalty);
        }
        bannedTokenIds = validIds("bannedTokenIds (--ban-ids)", bannedTokenIds);
        eosTokenIds = validIds("eosTokenIds (--eos-ids)", eosTokenIds);
        if (padTokenId < 0) {
            throw invalid("padTokenId must be a token id (>= 0), got " + padTokenId);
        }
        if (numReturnSequences < 1 || numReturnSequences > numBeams) {
            throw invalid("numReturnSequences (--num-return) must be between 1 and numBeams (--beams, " + numBeams + "), got "
                    + numReturnSequences + ": lower it or raise numBeams first");
        }
        if (noRepeatNgramSize < 0) {
            throw invalid("noRepeatNgramSize (--no-repeat-ngram) must be 0 (off) or a positive n-gram size, got " + noRepeatNgramSize);
        }
        forcedBosTokenId = validForcedId(FORCED_BOS_NAME, forcedBosTokenId);
        forcedEosTokenId = validForcedId(FORCED_EOS_NAME, forcedEosTokenId);
    }

    /** Greedy decoding of at most {@code maxNewTokens} tokens. */
    public static GenerationConfig greedy(int maxNewTokens) {
        return DEFAULT.withMaxNewTokens(maxNewTokens);
    }

    /** Beam search with {@code numBeams} beams and at most {@code maxNewTokens} tokens, length penalty 1. */
    public static GenerationConfig beamSearch(int numBeams, int maxNewTokens) {
        return DEFAULT.withNumBeams(numBeams).withMaxNewTokens(maxNewTokens);
    }

    /** Whether this configuration runs beam search rather than greedy decoding. */
    public boolean isBeamSearch() {
        return numBeams > 1;
    }

    public GenerationConfig withNumBeams(int beams) {
        return new GenerationConfig(beams, maxNewTokens, minNewTokens, lengthPenalty, earlyStopping, bannedTokenIds,
                eosTokenIds, padTokenId, numReturnSequences, noRepeatNgramSize,
                forcedBosTokenId, forcedEosTokenId);
    }

    public GenerationConfig withMaxNewTokens(int tokens) {
        return new GenerationConfig(numBeams, tokens, minNewTokens, lengthPenalty, earlyStopping, bannedTokenIds,
                eosTokenIds, padTokenId, numReturnSequences, noRepeatNgramSize,
                forcedBosTokenId, forcedEosTokenId);
    }

    public GenerationConfig withMinNewTokens(int tokens) {
        return new GenerationConfig(numBeams, maxNewTokens, tokens, lengthPenalty, earlyStopping, bannedTokenIds,
                eosTokenIds, padTokenId, numReturnSequences, noRepeatNgramSize,
                forcedBosTokenId, forcedEosTokenId);
    }

    public GenerationConfig withLengthPenalty(double penalty) {
        return new GenerationConfig(numBeams, maxNewTokens, minNewTokens, penalty, earlyStopping, bannedTokenIds,
                eosTokenIds, padTokenId, numReturnSequences, noRepeatNgramSize,
                forcedBosTokenId, forcedEosTokenId);
    }

    public GenerationConfig withEarlyStopping(boolean stopEarly) {
        return new GenerationConfig(numBeams, maxNewTokens, minNewTokens, lengthPenalty, stopEarly, bannedTokenIds,
                eosTokenIds, padTokenId, numReturnSequences, noRepeatNgramSize,
                forcedBosTokenId, forcedEosTokenId);
    }

    public GenerationConfig withBannedTokenIds(long... ids) {
        return new GenerationConfig(numBeams, maxNewTokens, minNewTokens, lengthPenalty, earlyStopping, toSet(ids),
                eosTokenIds, padTokenId, numReturnSequences, noRepeatNgramSize,
                forcedBosTokenId, forcedEosTokenId);
    }

    public GenerationConfig withEosTokenIds(long... ids) {
        return new GenerationConfig(numBeams, maxNewTokens, minNewTokens, lengthPenalty, earlyStopping,
                bannedTokenIds, toSet(ids), padTokenId, numReturnSequences, noRepeatNgramSize,
                forcedBosTokenId, forcedEosTokenId);
    }

    public GenerationConfig withPadTokenId(long id) {
        return new GenerationConfig(numBeams, maxNewTokens, minNewTokens, lengthPenalty, earlyStopping,
                bannedTokenIds, eosTokenIds, id, numReturnSequences, noRepeatNgramSize,
                forcedBosTokenId, forcedEosTokenId);
    }

    public GenerationConfig withNumReturnSequences(int sequences) {
        return new GenerationConfig(numBeams, maxNewTokens, minNewTokens, lengthPenalty, earlyStopping,
                bannedTokenIds, eosTokenIds, padTokenId, sequences, noRepeatNgramSize,
                forcedBosTokenId, forcedEosTokenId);
    }

    public GenerationConfig withNoRepeatNgramSize(int size) {
        return new GenerationConfig(numBeams, maxNewTokens, minNewTokens, lengthPenalty, earlyStopping,
                bannedTokenIds, eosTokenIds, padTokenId, numReturnSequences, size,
                forcedBosTokenId, forcedEosTokenId);
    }

    /** Forces {@code id} as the first generated token of rows whose decoder sequence is a single token. */
    public GenerationConfig withForcedBosTokenId(long id) {
        return withForcedTokens(OptionalLong.of(id), forcedEosTokenId);
    }

    /** Forces {@code id} as the {@code maxNewTokens}-th (last possible) generated token of every row. */
    public GenerationConfig withForcedEosTokenId(long id) {
        return withForcedTokens(forcedBosTokenId, OptionalLong.of(id));
    }

    /** Sets or clears (empty) both forced tokens. */
    public GenerationConfig withForcedTokens(OptionalLong bos, OptionalLong eos) {
        return new GenerationConfig(numBeams, maxNewTokens, minNewTokens, lengthPenalty, earlyStopping,
                bannedTokenIds, eosTokenIds, padTokenId, numReturnSequences, noRepeatNgramSize, bos, eos);
    }

    private static OptionalLong validForcedId(String name, OptionalLong id) {
        if (id == null) {
            throw invalid(name + " must be a token id or empty (off), got null");
        }
        if (id.isPresent() && id.getAsLong() < 0) {
            throw invalid(name + " must be a token id (>= 0), got " + id.getAsLong());
        }
        return id;
    }

    private static Set<Long> toSet(long... ids) {
        return Arrays.stream(ids).boxed().collect(Collectors.toSet());
    }

    private static Set<Long> validIds(String name, Set<Long> ids) {
        if (ids == null) {
            throw invalid(name + " must be a set of token ids (empty for none), got null");
        }
        for (Long id : ids) {
            if (id == null || id < 0) {
                throw invalid(name + " must hold token ids (>= 0), got " + id);
            }
        }
        return Set.copyOf(ids);
    }

    private static PeftException invalid(String message) {
        return new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Invalid generation config: " + message);
    }
}
