package io.github.peft4j.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * One batch's inputs, validated and copied to Java arrays (they are small), together with the adapter's
 * contribution. Validation here is what keeps bad input from reaching native code: an out-of-range id or
 * position becomes a {@link PeftException}, never a JVM abort.
 *
 * <p>The sequence a pass sees is {@code [virtual input embeddings; tokens]}; {@link #sequenceMask} covers both
 * and the prefix keys/values come on top, visible to every query. Infix keys/values also come on top, visible to
 * the queries from each row's {@link #infixStart} on.
 */
final class Gpt2Inputs {
    final int batch;
    final int tokens;
    final long[][] ids;
    final long[][] sequenceMask;
    final long[][] positions;
    final List<KeyValuePrefix> prefixes;
    final Optional<NDArray> virtualEmbeddings;
    final int virtualLength;
    final int prefixLength;
    /** Per layer, the infix keys/values (null entries without an infix). */
    final List<KeyValuePrefix> infixes;
    final int infixLength;
    /**
     * Per row, the index in the sequence ({@code [virtual; tokens]}) of the first query that sees the infix: the
     * infix boundary. Equal to the sequence length when no token of the pass is after it.
     */
    final int[] infixStart;

    private Gpt2Inputs(long[][] ids, long[][] sequenceMask, long[][] positions, List<KeyValuePrefix> prefixes,
            Optional<NDArray> virtualEmbeddings, int virtualLength, int prefixLength, List<KeyValuePrefix> infixes, int infixLength,
            int[] infixStart) {
        this.batch = ids.length;
        this.tokens = ids[0].length;
        this.ids = ids;
        this.sequenceMask = sequenceMask;
        this.positions = positions;
        this.prefixes = prefixes;
        this.virtualEmbeddings = virtualEmbeddings;
        this.virtualLength = virtualLength;
        this.prefixLength = prefixLength;
        this.infixes = infixes;
        this.infixLength = infixLength;
        this.infixStart = infixStart;
    }

    static Gpt2Inputs of(ForwardInput input, AdapterHooks hooks, ModelGeometry geometry) {
        long[][] ids = matrix(input.inputIds(), "input ids", -1, -1);
        int batch = ids.length;
        int tokens = ids[0].length;
        for (long[] row : ids) {
            for (long id : row) {
                if (id < 0 || id >= geometry.vocabSize()) {
                    throw new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                            "Token id " + id + " is outside the model's vocabulary [0, " + geometry.vocabSize() + ")");
                }
            }
        }
        long[][] mask = input.attentionMask().map(m -> matrix(m, "attention mask", batch, tokens)).orElse(null);
        if (mask != null) {
            for (long[] row : mask) {
                for (long value : row) {
                    if (value != 0 && value != 1) {
                        throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "An attention mask holds only 0 and 1; found " + value);
                    }
                }
            }
        }
        if (input.decoderInputIds().isPresent()) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "GPT-2 is decoder-only: it takes no decoder input ids");
        }

        List<KeyValuePrefix> prefixes = layerKeyValues("prefix", layer -> hooks.attentionPrefix(AttentionSite.DECODER_SELF, layer), batch, geometry);
        int prefixLength = prefixes.get(0) == null ? 0 : prefixes.get(0).length();
        List<KeyValuePrefix> infixes = layerKeyValues("infix", layer -> hooks.attentionInfix(AttentionSite.DECODER_SELF, layer), batch, geometry);
        int infixLength = infixes.get(0) == null ? 0 : infixes.get(0).length();
        long[] targetStart = input.targetStart().map(starts -> targetStarts(starts, batch, tokens)).orElse(null);

        Optional<NDArray> virtual = hooks.inputEmbeddings(Stack.DECODER);
        int virtualLength = 0;
        if (virtual.isPresent()) {
            long[] shape = virtual.get().getShape().getShape();
            if (shape.length != 3 || (shape[0] != 1 && shape[0] != batch) || shape[2] != geometry.hiddenSize()) {
                throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Virtual input embeddings must be [1 or " + batch + ", P, "
                        + geometry.hiddenSize() + "]; got " + virtual.get().getShape());
            }
            virtualLength = Math.toIntExact(shape[1]);
        }

        long[][] sequenceMask = new long[batch][virtualLength + tokens];
        for (int b = 0; b < batch; b++) {
            Arrays.fill(sequenceMask[b], 0, virtualLength, 1);
            for (int t = 0; t < tokens; t++) {
                sequenceMask[b][virtualLength + t] = mask == null ? 1 : mask[b][t];
            }
        }
        int[] infixStart = new int[batch];
        if (infixLength > 0) {
            int tail = hooks.infixSourceTail(Stack.DECODER);
            if (tail < 0) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "The adapter places the infix " + tail
                        + " source tokens before the target; that must be >= 0");
            }
            for (int b = 0; b < batch; b++) {
                long start = targetStart == null ? tokens : targetStart[b];
                infixStart[b] = virtualLength + (int) Math.max(0, start - tail);
            }
        }
        else {
            Arrays.fill(infixStart, virtualLength + tokens);
        }
        long[][] positions = input.positionIds().isPresent()
                ? explicitPositions(matrix(input.positionIds().get(), "position ids", batch, tokens), virtualLength)
                : defaultPositions(sequenceMask, virtualLength, hooks.positionOffset(Stack.DECODER), infixStart, infixLength);
        for (long[] row : positions) {
            for (long position : row) {
                if (position < 0 || position >= geometry.maxPositions()) {
                    boolean adapter = virtualLength > 0 || hooks.positionOffset(Stack.DECODER) > 0;
                    throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Position " + position + " is outside the model's "
                            + geometry.maxPositions() + " positions: the input (" + tokens + " tokens, " + virtualLength
                            + " virtual input embeddings, real tokens numbered from " + hooks.positionOffset(Stack.DECODER) + ") is too long; shorten it"
                            + (adapter ? " or lower the adapter's virtual tokens (setting length, train's --prefix-length)" : ""));
                }
            }
        }
        return new Gpt2Inputs(ids, sequenceMask, positions, prefixes, virtual, virtualLength, prefixLength, infixes, infixLength, infixStart);
    }

    /**
     * The keys/values a hook gives per layer ({@code what}: prefix or infix), checked: either every layer has them,
     * all of one length, or none (a list of nulls).
     */
    private static List<KeyValuePrefix> layerKeyValues(String what, IntFunction<Optional<KeyValuePrefix>> hook, int batch, ModelGeometry geometry) {
        List<KeyValuePrefix> layers = new ArrayList<>();
        int length = 0;
        for (int layer = 0; layer < geometry.decoderLayers(); layer++) {
            KeyValuePrefix keyValues = hook.apply(layer).orElse(null);
            if (keyValues != null) {
                checkPrefix(what, keyValues, layer, batch, geometry);
                if (layer > 0 && keyValues.length() != length) {
                    throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Every layer's " + what + " must have the same length; layer "
                            + layer + " has " + keyValues.length() + ", layer 0 has " + length);
                }
                length = keyValues.length();
            }
            else if (length > 0) {
                throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "A " + what + " must cover every layer; layer " + layer + " has none");
            }
            layers.add(keyValues);
        }
        return layers;
    }

    /** The target starts {@code [batch]}, each a column in [0, tokens]. */
    private static long[] targetStarts(NDArray starts, int batch, int tokens) {
        if (!starts.getShape().equals(new Shape(batch)) || !starts.getDataType().isInteger()) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "The target starts must be " + batch + " integers, [" + batch + "]; got "
                    + starts.getDataType() + " " + starts.getShape());
        }
        long[] values;
        if (starts.getDataType() == DataType.INT64) {
            values = starts.toLongArray();
        }
        else {
            try (NDArray widened = starts.toType(DataType.INT64, true)) {
                values = widened.toLongArray();
            }
        }
        for (long start : values) {
            if (start < 0 || start > tokens) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "A target start is a column in [0, " + tokens + "]; got " + start);
            }
        }
        return values;
    }

    /**
     * Virtual tokens are numbered 0.., real tokens from {@code offset}, counting real tokens only: padding takes
     * no position, so a left-padded row is numbered as if it ran alone (Hugging Face's generate does the same).
     * From a row's infix boundary on, positions skip the infix length, as if that many tokens had been inserted.
     */
    private static long[][] defaultPositions(long[][] sequenceMask, int virtualLength, int offset, int[] infixStart, int infixLength) {
        long[][] positions = new long[sequenceMask.length][sequenceMask[0].length];
        for (int b = 0; b < sequenceMask.length; b++) {
            long next = offset;
            for (int t = 0; t < sequenceMask[b].length; t++) {
                if (t < virtualLength) {
                    positions[b][t] = t;
                }
                else {
                    if (t == infixStart[b]) {
                        next += infixLength;
                    }
                    positions[b][t] = next;
                    next += sequenceMask[b][t];
                }
            }
        }
        return positions;
    }

    private static long[][] explicitPositions(long[][] given, int virtualLength) {
        long[][] positions = new long[given.length][virtualLength + given[0].length];
        for (int b = 0; b < given.length; b++) {
            for (int t = 0; t < virtualLength; t++) {
                positions[b][t] = t;
            }
            System.arraycopy(given[b], 0, positions[b], virtualLength, given[b].length);
        }
        return positions;
    }

    private static void checkPrefix(String what, KeyValuePrefix prefix, int layer, int batch, ModelGeometry geometry) {
        long[] shape = prefix.keys().getShape().getShape();
        if ((shape[0] != 1 && shape[0] != batch) || shape[1] != geometry.heads() || shape[3] != geometry.headDim()) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "The " + what + " of layer " + layer + " must be [1 or " + batch + ", "
                    + geometry.heads() + ", " + (what.equals("infix") ? "I" : "P") + ", " + geometry.headDim() + "]; got " + prefix.keys().getShape());
        }
    }

    /** A {@code [rows, columns]} integer array as Java rows, checked against the expected shape (-1 = any). */
    static long[][] matrix(NDArray array, String what, int rows, int columns) {
        long[] shape = array.getShape().getShape();
        if (shape.length != 2 || shape[0] == 0 || shape[1] == 0 || (rows >= 0 && shape[0] != rows) || (columns >= 0 && shape[1] != columns)) {
            String expected = rows < 0 ? "[batch, length] with both > 0" : "[" + rows + ", " + columns + "]";
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "The " + what + " must be " + expected + "; got " + array.getShape());
        }
        DataType type = array.getDataType();
        if (!type.isInteger()) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "The " + what + " must be integers; got " + type);
        }
        long[] flat;
        if (type == DataType.INT64) {
            flat = array.toLongArray();
        }
        else {
            try (NDArray widened = array.toType(DataType.INT64, true)) {
                flat = widened.toLongArray();
            }
        }
        long[][] result = new long[(int) shape[0]][];
        for (int r = 0; r < result.length; r++) {
            result[r] = Arrays.copyOfRange(flat, r * (int) shape[1], (r + 1) * (int) shape[1]);
        }
        return result;
    }
}
