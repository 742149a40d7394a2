package io.github.peft4j.core.training;

import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;

/**
 * What a model can read, for checking training rows where they are read: ids below {@code vocabSize}, and sequences
 * that fit its {@code maxPositions} with {@code reservedPositions} taken before them (e.g. by a prefix that numbers
 * real tokens from P). A decoder-only model reads source and target as one sequence; an encoder-decoder reads the
 * source in its encoder and the target in its decoder, each up to {@code maxPositions}.
 */
public record TokenLimits(int vocabSize, int maxPositions, boolean encoderDecoder, int reservedPositions) {
    public TokenLimits {
        if (vocabSize < 1 || maxPositions < 1 || reservedPositions < 0) {
            throw new IllegalArgumentException("vocabSize and maxPositions must be positive and reservedPositions >= 0, got "
                    + vocabSize + ", " + maxPositions + ", " + reservedPositions);
        }
    }

    /** The limits of a model, with no positions reserved. */
    public static TokenLimits of(ModelGeometry geometry) {
        return new TokenLimits(geometry.vocabSize(), geometry.maxPositions(), geometry.isEncoderDecoder(), 0);
    }

    /** These limits with {@code positions} taken before the (decoder's) sequence. */
    public TokenLimits withReservedPositions(int positions) {
        return new TokenLimits(vocabSize, maxPositions, encoderDecoder, positions);
    }

    /**
     * Refuses a row the model cannot read (MALFORMED_DATASET), naming it by {@code where} (e.g. {@code data.jsonl:7})
     * and saying what to do.
     */
    public void check(TrainingExample example, String where) {
        checkIds(example.source(), "source", where);
        checkIds(example.target(), "target", where);
        int room = maxPositions - reservedPositions;
        String reserved = reservedPositions > 0 ? " (" + reservedPositions + " of its " + maxPositions + " are taken by the prefix)" : "";
        if (encoderDecoder) {
            if (example.source().length > maxPositions) {
                throw tooLong(where, "source has " + example.source().length + " tokens, more than the encoder's " + maxPositions + " positions");
            }
            if (example.target().length > room) {
                throw tooLong(where, "target has " + example.target().length + " tokens, more than the " + room + " positions the decoder has"
                        + reserved);
            }
        }
        else if (example.length() > room) {
            throw tooLong(where, "source and target have " + example.source().length + " + " + example.target().length + " = "
                    + example.length() + " tokens, more than the " + room + " positions the model has" + reserved);
        }
    }

    private void checkIds(long[] ids, String side, String where) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new PeftException(StandardErrorCode.MALFORMED_DATASET, where + ": the " + side + "'s token " + (i + 1) + " is the id " + ids[i]
                        + ", outside the model's vocabulary [0, " + vocabSize + "): use ids of this model's tokenizer (peft4j tokenize), or the model"
                        + " the data was made for");
            }
        }
    }

    private static PeftException tooLong(String where, String problem) {
        return new PeftException(StandardErrorCode.MALFORMED_DATASET, where + ": the row is too long: its " + problem
                + "; shorten the row or drop it from the data");
    }
}
