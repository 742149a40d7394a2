package io.github.peft4j.model.bart;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.InjectionPoint;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * One batch's encoder and decoder inputs, validated and copied to Java arrays (they are small), together with the
 * adapter's prefixes. Validation here is what keeps bad input from reaching native code: an out-of-range id or
 * position becomes a {@link PeftException}, never a JVM abort.
 *
 * <p>Positions count real tokens only, from the stack's {@link AdapterHooks#positionOffset}: padding takes no
 * position. For unpadded and right-padded rows (what BART's tokenizers produce) this is Hugging Face's numbering
 * by column; a left-padded row is numbered as if it ran alone, where Hugging Face would number its padding too.
 */
final class BartInputs {
    /** What the decoder reads when the input names no decoder ids. */
    enum DecoderDefault {
        /** Hugging Face's {@code BartModel.forward}: the encoder ids shifted right behind the decoder start token. */
        SHIFTED_INPUT,
        /** Hugging Face's {@code generate}: the decoder start token alone. */
        START_TOKEN
    }

    /** The prefixes of one attention site: per layer, all present or all absent (null); {@code length} P. */
    record SitePrefixes(AttentionSite site, List<KeyValuePrefix> layers, int length) {
        static SitePrefixes none(AttentionSite site, int layers) {
            return new SitePrefixes(site, Collections.nCopies(layers, null), 0);
        }

        KeyValuePrefix layer(int layer) {
            return layers.get(layer);
        }

        boolean isPresent() {
            return length > 0;
        }

        /** Whether the prefix has one row per batch row rather than one row for all. */
        boolean isPerRow() {
            return isPresent() && layers.get(0).keys().getShape().get(0) > 1;
        }
    }

    final int batch;
    final long[][] encoderIds;
    final long[][] encoderMask;
    final long[][] encoderPositions;
    final long[][] decoderIds;
    final long[][] decoderMask;
    final long[][] decoderPositions;
    final SitePrefixes encoderPrefix;
    final SitePrefixes decoderPrefix;
    final SitePrefixes crossPrefix;

    private BartInputs(long[][] encoderIds, long[][] encoderMask, long[][] encoderPositions, long[][] decoderIds, long[][] decoderMask,
            long[][] decoderPositions, SitePrefixes encoderPrefix, SitePrefixes decoderPrefix, SitePrefixes crossPrefix) {
        this.batch = encoderIds.length;
        this.encoderIds = encoderIds;
        this.encoderMask = encoderMask;
        this.encoderPositions = encoderPositions;
        this.decoderIds = decoderIds;
        this.decoderMask = decoderMask;
        this.decoderPositions = decoderPositions;
        this.encoderPrefix = encoderPrefix;
        this.decoderPrefix = decoderPrefix;
        this.crossPrefix = crossPrefix;
    }

    int sourceLength() {
        return encoderIds[0].length;
    }

    int targetLength() {
        return decoderIds[0].length;
    }

    static BartInputs of(ForwardInput input, AdapterHooks hooks, BartConfig config, DecoderDefault whenAbsent) {
        long[][] encoderIds = matrix(input.inputIds(), "input ids", -1, -1);
        int batch = encoderIds.length;
        int source = encoderIds[0].length;
        checkIds(encoderIds, "input ids", config);
        long[][] encoderMask = input.attentionMask().map(m -> mask(m, "attention mask", batch, source)).orElseGet(() -> ones(batch, source));
        if (input.positionIds().isPresent()) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "BART numbers positions itself (Hugging Face's BART takes no"
                    + " position_ids); drop the explicit position ids");
        }
        for (Stack stack : Stack.values()) {
            if (hooks.inputEmbeddings(stack).isPresent()) {
                throw unsupported(InjectionPoint.INPUT_EMBEDDINGS, "virtual input embeddings of the " + stack);
            }
        }
        for (AttentionSite site : AttentionSite.values()) {
            if (hooks.attentionInfix(site, 0).isPresent()) {
                throw unsupported(InjectionPoint.ATTENTION_INFIX, "an infix at " + site);
            }
        }

        long[][] decoderIds;
        long[][] decoderMask;
        if (input.decoderInputIds().isPresent()) {
            decoderIds = matrix(input.decoderInputIds().get(), "decoder input ids", batch, -1);
            checkIds(decoderIds, "decoder input ids", config);
            int target = decoderIds[0].length;
            decoderMask = input.decoderAttentionMask().map(m -> mask(m, "decoder attention mask", batch, target)).orElseGet(() -> ones(batch, target));
        }
        else if (input.decoderAttentionMask().isPresent()) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "A decoder attention mask was given without decoder input ids");
        }
        else {
            decoderIds = new long[batch][];
            for (int b = 0; b < batch; b++) {
                if (whenAbsent == DecoderDefault.START_TOKEN) {
                    decoderIds[b] = new long[] {config.decoderStartTokenId()};
                }
                else {
                    decoderIds[b] = new long[source];
                    decoderIds[b][0] = config.decoderStartTokenId();
                    System.arraycopy(encoderIds[b], 0, decoderIds[b], 1, source - 1);
                }
            }
            decoderMask = ones(batch, decoderIds[0].length);
        }

        SitePrefixes encoderPrefix = prefixes(hooks, AttentionSite.ENCODER_SELF, config.encoderLayers(), batch, config);
        SitePrefixes decoderPrefix = prefixes(hooks, AttentionSite.DECODER_SELF, config.decoderLayers(), batch, config);
        SitePrefixes crossPrefix = prefixes(hooks, AttentionSite.DECODER_CROSS, config.decoderLayers(), batch, config);
        int encoderOffset = hooks.positionOffset(Stack.ENCODER);
        int decoderOffset = hooks.positionOffset(Stack.DECODER);
        return new BartInputs(encoderIds, encoderMask, positions(encoderMask, encoderOffset, "encoder", config), decoderIds, decoderMask,
                positions(decoderMask, decoderOffset, "decoder", config), encoderPrefix, decoderPrefix, crossPrefix);
    }

    /**
     * Real tokens numbered from {@code offset}; padding gets the next real token's number (kept inside the table)
     * and is never looked at.
     */
    private static long[][] positions(long[][] mask, int offset, String stack, BartConfig config) {
        if (offset < 0) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "The " + stack + " position offset must be >= 0, got " + offset);
        }
        long[][] positions = new long[mask.length][mask[0].length];
        for (int b = 0; b < mask.length; b++) {
            long next = offset;
            for (int t = 0; t < mask[b].length; t++) {
                positions[b][t] = Math.min(next, config.maxPositions() - 1L);
                next += mask[b][t];
            }
            long last = next - 1;
            if (last >= config.maxPositions()) {
                throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Position " + last + " is outside the model's " + config.maxPositions()
                        + " positions: the " + stack + " input (" + (next - offset) + " tokens, numbered from " + offset + ") is too long; shorten it"
                        + (offset > 0 ? " or lower the adapter's virtual tokens (setting length, train's --prefix-length)" : ""));
            }
        }
        return positions;
    }

    private static SitePrefixes prefixes(AdapterHooks hooks, AttentionSite site, int layers, int batch, BartConfig config) {
        List<KeyValuePrefix> prefixes = new ArrayList<>(layers);
        int length = 0;
        for (int layer = 0; layer < layers; layer++) {
            KeyValuePrefix prefix = hooks.attentionPrefix(site, layer).orElse(null);
            if (prefix != null) {
                long[] shape = prefix.keys().getShape().getShape();
                if ((shape[0] != 1 && shape[0] != batch) || shape[1] != config.heads() || shape[2] == 0 || shape[3] != config.headDim()) {
                    throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "The " + site + " prefix of layer " + layer + " must be [1 or "
                            + batch + ", " + config.heads() + ", P > 0, " + config.headDim() + "]; got " + prefix.keys().getShape());
                }
                if (prefix.keys().getDataType() != DataType.FLOAT32 || prefix.values().getDataType() != DataType.FLOAT32) {
                    throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "The " + site + " prefix of layer " + layer
                            + " must hold float32 keys and values; got " + prefix.keys().getDataType() + " and " + prefix.values().getDataType());
                }
                if (layer > 0 && prefix.length() != length) {
                    throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Every layer's " + site + " prefix must have the same length; layer "
                            + layer + " has " + prefix.length() + ", layer 0 has " + (length == 0 ? "none" : length));
                }
                if (layer > 0 && shape[0] != prefixes.get(0).keys().getShape().get(0)) {
                    throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Every layer's " + site
                            + " prefix must have the same batch dimension (1 or " + batch + ")");
                }
                length = prefix.length();
            }
            else if (length > 0) {
                throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "A " + site + " prefix must cover every layer; layer " + layer + " has none");
            }
            prefixes.add(prefix);
        }
        return new SitePrefixes(site, Collections.unmodifiableList(prefixes), length);
    }

    /** Hooks the backend does not consult would be silently ignored: refused instead. */
    private static PeftException unsupported(InjectionPoint point, String what) {
        return new PeftException(StandardErrorCode.UNSUPPORTED_INJECTION_POINT, "The bart backend does not offer " + point + " (" + what
                + "); it offers only " + InjectionPoint.ATTENTION_PREFIX);
    }

    private static void checkIds(long[][] ids, String what, BartConfig config) {
        for (long[] row : ids) {
            for (long id : row) {
                if (id < 0 || id >= config.vocabSize()) {
                    throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Token id " + id + " in the " + what
                            + " is outside the model's vocabulary [0, " + config.vocabSize() + ")");
                }
            }
        }
    }

    private static long[][] mask(NDArray array, String what, int rows, int columns) {
        long[][] mask = matrix(array, what, rows, columns);
        for (int b = 0; b < mask.length; b++) {
            boolean any = false;
            for (long value : mask[b]) {
                if (value != 0 && value != 1) {
                    throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "An attention mask holds only 0 and 1; the " + what + " holds " + value);
                }
                any |= value == 1;
            }
            if (!any) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Row " + b + " of the " + what + " has no real token (no 1)");
            }
        }
        return mask;
    }

    private static long[][] ones(int rows, int columns) {
        long[][] ones = new long[rows][columns];
        for (long[] row : ones) {
            Arrays.fill(row, 1);
        }
        return ones;
    }

    /** A {@code [rows, columns]} integer array as Java rows, checked against the expected shape (-1 = any). */
    static long[][] matrix(NDArray array, String what, int rows, int columns) {
        long[] shape = array.getShape().getShape();
        if (shape.length != 2 || shape[0] == 0 || shape[1] == 0 || (rows >= 0 && shape[0] != rows) || (columns >= 0 && shape[1] != columns)) {
            String expected = rows < 0 ? "[batch, length] with both > 0"
                    : "[" + rows + ", " + (columns < 0 ? "length > 0" : Integer.toString(columns)) + "]";
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
