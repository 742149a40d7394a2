package io.github.peft4j.model.bart;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.DecodingState;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * BART decoding with a key/value cache. The encoder runs once, when decoding starts; so are each decoder layer's
 * cross-attention keys/values computed, once per input, and kept with the rows (beams of one input hold copies
 * of its rows, as Hugging Face expands them). The decoder self-attention cache grows by one column per step.
 * Prefixes are kept apart and broadcast over rows, so beams share them; a per-row prefix follows its rows.
 * Each step runs in an {@link NDScope}, so only the caches and the logits outlive it.
 */
final class BartDecodingState implements DecodingState {
    private final BartBackend backend;
    private final NDManager manager;
    private final int vocabSize;
    private final int maxPositions;
    private BartInputs.SitePrefixes selfPrefix;
    private BartInputs.SitePrefixes crossPrefix;
    private final List<NDArray> ownedPrefixArrays = new ArrayList<>();
    private List<BartTransformer.KeyValue> cross;
    private List<BartTransformer.KeyValue> cache;
    private long[][] encoderMask;
    private long[][] decoderMask;
    private long[] nextPosition;
    private NDArray logits;

    BartDecodingState(BartBackend backend, BartInputs prompt, NDManager manager) {
        this.backend = backend;
        this.manager = manager;
        this.vocabSize = backend.config().vocabSize();
        this.maxPositions = backend.config().maxPositions();
        this.selfPrefix = prompt.decoderPrefix;
        this.crossPrefix = prompt.crossPrefix;
        this.encoderMask = prompt.encoderMask;
        this.decoderMask = prompt.decoderMask;
        this.nextPosition = new long[prompt.batch];
        int last = prompt.targetLength() - 1;
        try {
            for (int b = 0; b < prompt.batch; b++) {
                if (prompt.decoderMask[b][last] != 1) {
                    throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Row " + b + " of the decoder prompt ends in padding: pad"
                            + " decoder prompts on the left (mask 0 before the tokens) for generation");
                }
                nextPosition[b] = prompt.decoderPositions[b][last] + 1;
            }
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                BartTransformer.Scalars scalars = new BartTransformer.Scalars(manager, backend.config());
                BartTransformer.EncoderPass encoded = backend.encode(manager, prompt, scalars);
                List<BartTransformer.KeyValue> crossKeyValues = backend.transformer().crossKeyValues(encoded.hidden());
                BartTransformer.DecoderPass pass = backend.decode(manager, prompt, crossKeyValues, scalars);
                keep(pass, pass.hidden().get(new NDIndex(":, {}, :", last)));
                cross = crossKeyValues;
                unregister(cross);
            }
        }
        catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    @Override
    public int rows() {
        return decoderMask.length;
    }

    @Override
    public NDArray nextTokenLogits() {
        return logits;
    }

    @Override
    public void append(NDArray tokens) {
        backend.requireWeightsUnchanged();
        long[] next = vector(tokens, "append takes one integer token per row", rows());
        for (long token : next) {
            if (token < 0 || token >= vocabSize) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Token id " + token + " is outside the vocabulary [0, " + vocabSize + ")");
            }
        }
        for (long position : nextPosition) {
            if (position >= maxPositions) {
                throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Generation reached the model's " + maxPositions
                        + " decoder positions; ask for fewer new tokens");
            }
        }
        int keys = decoderMask[0].length + 1;
        long[][] longerMask = new long[rows()][];
        for (int b = 0; b < rows(); b++) {
            longerMask[b] = Arrays.copyOf(decoderMask[b], keys);
            longerMask[b][keys - 1] = 1;
        }
        List<BartTransformer.KeyValue> previous = cache;
        NDArray previousLogits = logits;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            BartTransformer transformer = backend.transformer();
            BartTransformer.Scalars scalars = new BartTransformer.Scalars(manager, backend.config());
            long[][] positions = new long[rows()][];
            for (int b = 0; b < rows(); b++) {
                positions[b] = new long[] {nextPosition[b]};
            }
            NDArray hidden = transformer.embed(backend.weights().decoder, manager.create(next, new Shape(rows(), 1)),
                    manager.create(BartBackend.tableRows(positions), new Shape(rows(), 1)), scalars);
            NDArray selfMask = BartBackend.causalMask(manager, longerMask, selfPrefix.length(), keys - 1, keys);
            NDArray crossMask = BartBackend.paddingMask(manager, encoderMask, crossPrefix.length());
            BartTransformer.DecoderPass pass = transformer.decode(hidden, selfMask, selfPrefix, previous, cross, crossMask, crossPrefix, scalars);
            keep(pass, pass.hidden().get(new NDIndex(":, 0, :")));
        }
        close(previous);
        previousLogits.close();
        decoderMask = longerMask;
        for (int b = 0; b < nextPosition.length; b++) {
            nextPosition[b]++;
        }
    }

    @Override
    public void selectRows(NDArray rows) {
        long[] selected = vector(rows, "selectRows takes the row indices to keep", -1);
        if (selected.length == 0) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "selectRows needs at least one row");
        }
        for (long row : selected) {
            if (row < 0 || row >= rows()) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Row " + row + " does not exist; there are " + rows());
            }
        }
        List<BartTransformer.KeyValue> previousCache = cache;
        List<BartTransformer.KeyValue> previousCross = cross;
        NDArray previousLogits = logits;
        List<NDArray> previousPrefixArrays = new ArrayList<>(ownedPrefixArrays);
        try (NDArray index = manager.create(selected)) {
            cache = select(previousCache, index);
            cross = select(previousCross, index);
            logits = previousLogits.get(index);
            ownedPrefixArrays.clear();
            selfPrefix = select(selfPrefix, index);
            crossPrefix = select(crossPrefix, index);
        }
        close(previousCache);
        close(previousCross);
        previousLogits.close();
        previousPrefixArrays.forEach(NDArray::close);
        long[][] encoder = new long[selected.length][];
        long[][] decoder = new long[selected.length][];
        long[] positions = new long[selected.length];
        for (int i = 0; i < selected.length; i++) {
            int row = (int) selected[i];
            encoder[i] = encoderMask[row];
            decoder[i] = decoderMask[row];
            positions[i] = nextPosition[row];
        }
        encoderMask = encoder;
        decoderMask = decoder;
        nextPosition = positions;
    }

    private static List<BartTransformer.KeyValue> select(List<BartTransformer.KeyValue> arrays, NDArray index) {
        List<BartTransformer.KeyValue> selected = new ArrayList<>(arrays.size());
        for (BartTransformer.KeyValue kv : arrays) {
            selected.add(new BartTransformer.KeyValue(kv.keys().get(index), kv.values().get(index)));
        }
        return selected;
    }

    /** A per-row prefix follows its rows (copies owned by this state); a broadcast one is shared as it is. */
    private BartInputs.SitePrefixes select(BartInputs.SitePrefixes prefixes, NDArray index) {
        if (!prefixes.isPerRow()) {
            return prefixes;
        }
        List<KeyValuePrefix> perRow = new ArrayList<>(prefixes.layers().size());
        for (KeyValuePrefix prefix : prefixes.layers()) {
            NDArray keys = prefix.keys().get(index);
            NDArray values = prefix.values().get(index);
            keys.attach(manager);
            values.attach(manager);
            ownedPrefixArrays.add(keys);
            ownedPrefixArrays.add(values);
            perRow.add(new KeyValuePrefix(keys, values));
        }
        return new BartInputs.SitePrefixes(prefixes.site(), List.copyOf(perRow), prefixes.length());
    }

    /** Keeps this step's self-attention cache and next-token logits beyond the step's scope. */
    private void keep(BartTransformer.DecoderPass pass, NDArray lastHidden) {
        cache = pass.present();
        logits = backend.transformer().logits(lastHidden);
        unregister(cache);
        NDScope.unregister(logits);
    }

    private static void unregister(List<BartTransformer.KeyValue> arrays) {
        for (BartTransformer.KeyValue kv : arrays) {
            NDScope.unregister(kv.keys(), kv.values());
        }
    }

    private static void close(List<BartTransformer.KeyValue> arrays) {
        if (arrays != null) {
            for (BartTransformer.KeyValue kv : arrays) {
                kv.keys().close();
                kv.values().close();
            }
        }
    }

    /** A 1-d integer array as Java longs, of {@code length} entries (-1 = any), checked before it is read. */
    private static long[] vector(NDArray array, String what, int length) {
        Shape shape = array.getShape();
        if (shape.dimension() != 1 || !array.getDataType().isInteger() || (length >= 0 && shape.get(0) != length)) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, what + ", [" + (length >= 0 ? Integer.toString(length) : "rows") + "]; got "
                    + array.getDataType() + " " + shape);
        }
        if (array.getDataType() == DataType.INT64) {
            return array.toLongArray();
        }
        try (NDArray widened = array.toType(DataType.INT64, true)) {
            return widened.toLongArray();
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
