package io.github.peft4j.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.DecodingState;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * GPT-2 decoding with a key/value cache. The prefix (and an infix) is kept apart from the cache and broadcast over
 * rows, so beams share it; each step runs in an {@link NDScope}, so only the cache and the logits outlive it.
 * Everything generated is target: every appended token sees the infix, and the first generated token's position
 * skips the infix length when no prompt token came after the infix.
 */
final class Gpt2DecodingState implements DecodingState {
    private final Gpt2Backend backend;
    private final NDManager manager;
    private final int prefixLength;
    private final int infixLength;
    private final int vocabSize;
    private List<KeyValuePrefix> prefixes;
    private boolean ownsPrefixes;
    private List<KeyValuePrefix> infixes;
    private boolean ownsInfixes;
    private List<Gpt2Transformer.KeyValue> cache;
    private long[][] sequenceMask;
    private long[] nextPosition;
    private NDArray logits;

    Gpt2DecodingState(Gpt2Backend backend, Gpt2Inputs prompt, NDManager manager) {
        this.backend = backend;
        this.manager = manager;
        this.prefixLength = prompt.prefixLength;
        this.infixLength = prompt.infixLength;
        this.vocabSize = backend.geometry().vocabSize();
        this.prefixes = prompt.prefixes;
        this.infixes = prompt.infixes;
        this.sequenceMask = prompt.sequenceMask;
        this.nextPosition = new long[prompt.batch];
        int last = prompt.sequenceMask[0].length - 1;
        for (int b = 0; b < prompt.batch; b++) {
            if (prompt.sequenceMask[b][last] != 1) {
                manager.close();
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                        "Row " + b + " of the prompt ends in padding: pad prompts on the left (mask 0 before the tokens) for generation");
            }
            nextPosition[b] = Arrays.stream(prompt.positions[b], prompt.virtualLength, prompt.positions[b].length).max().orElse(0) + 1;
            if (prompt.infixStart[b] > last) {
                // No prompt token came after the infix: the first generated token is the first one after it.
                nextPosition[b] += infixLength;
            }
        }
        try (NDScope scope = new NDScope()) {
            Gpt2Transformer.Pass pass = backend.run(manager, prompt, UnaryOperator.identity());
            keep(pass, pass.hidden().get(new NDIndex(":, {}, :", last)));
        }
    }

    @Override
    public int rows() {
        return sequenceMask.length;
    }

    @Override
    public NDArray nextTokenLogits() {
        return logits;
    }

    @Override
    public void append(NDArray tokens) {
        backend.requireWeightsUnchanged();
        long[] next = tokens.toLongArray();
        if (!tokens.getShape().equals(new Shape(rows())) || !tokens.getDataType().isInteger()) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "append takes one integer token per row, [" + rows() + "]; got "
                    + tokens.getDataType() + " " + tokens.getShape());
        }
        for (long token : next) {
            if (token < 0 || token >= vocabSize) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Token id " + token + " is outside the vocabulary [0, " + vocabSize + ")");
            }
        }
        for (long position : nextPosition) {
            if (position >= backend.geometry().maxPositions()) {
                throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Generation reached the model's " + backend.geometry().maxPositions()
                        + " positions; ask for fewer new tokens");
            }
        }
        int keys = sequenceMask[0].length + 1;
        for (int b = 0; b < rows(); b++) {
            sequenceMask[b] = Arrays.copyOf(sequenceMask[b], keys);
            sequenceMask[b][keys - 1] = 1;
        }
        List<Gpt2Transformer.KeyValue> previous = cache;
        NDArray previousLogits = logits;
        try (NDScope scope = new NDScope()) {
            Gpt2Transformer transformer = backend.transformer();
            NDArray hidden = transformer.embed(manager.create(next, new Shape(rows(), 1)), manager.create(nextPosition.clone(), new Shape(rows(), 1)));
            NDArray mask = Gpt2Backend.additiveMask(manager, sequenceMask, prefixLength, infixLength, new int[rows()], keys - 1, keys);
            Gpt2Transformer.Pass pass = transformer.run(hidden, mask, prefixes, infixes, previous, UnaryOperator.identity());
            keep(pass, pass.hidden().get(new NDIndex(":, 0, :")));
        }
        close(previous);
        previousLogits.close();
        for (int b = 0; b < nextPosition.length; b++) {
            nextPosition[b]++;
        }
    }

    @Override
    public void selectRows(NDArray rows) {
        long[] selected = rows.toLongArray();
        for (long row : selected) {
            if (row < 0 || row >= rows()) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Row " + row + " does not exist; there are " + rows());
            }
        }
        List<Gpt2Transformer.KeyValue> previous = cache;
        NDArray previousLogits = logits;
        try (NDArray index = manager.create(selected)) {
            cache = new ArrayList<>(previous.size());
            for (Gpt2Transformer.KeyValue kv : previous) {
                cache.add(new Gpt2Transformer.KeyValue(kv.keys().get(index), kv.values().get(index)));
            }
            logits = previousLogits.get(index);
            if (prefixLength > 0 && prefixes.get(0).keys().getShape().get(0) > 1) {
                List<KeyValuePrefix> perRow = selected(prefixes, index);
                if (ownsPrefixes) {
                    closeAll(prefixes);
                }
                prefixes = perRow;
                ownsPrefixes = true;
            }
            if (infixLength > 0 && infixes.get(0).keys().getShape().get(0) > 1) {
                List<KeyValuePrefix> perRow = selected(infixes, index);
                if (ownsInfixes) {
                    closeAll(infixes);
                }
                infixes = perRow;
                ownsInfixes = true;
            }
        }
        close(previous);
        previousLogits.close();
        long[][] mask = new long[selected.length][];
        long[] positions = new long[selected.length];
        for (int i = 0; i < selected.length; i++) {
            mask[i] = sequenceMask[(int) selected[i]].clone();
            positions[i] = nextPosition[(int) selected[i]];
        }
        sequenceMask = mask;
        nextPosition = positions;
    }

    /** The rows {@code index} of per-row keys/values (new arrays, beside the given ones). */
    private static List<KeyValuePrefix> selected(List<KeyValuePrefix> layers, NDArray index) {
        List<KeyValuePrefix> perRow = new ArrayList<>(layers.size());
        for (KeyValuePrefix layer : layers) {
            perRow.add(new KeyValuePrefix(layer.keys().get(index), layer.values().get(index)));
        }
        return perRow;
    }

    private static void closeAll(List<KeyValuePrefix> layers) {
        for (KeyValuePrefix layer : layers) {
            layer.keys().close();
            layer.values().close();
        }
    }

    /** Keeps this step's cache and next-token logits beyond the step's scope. */
    private void keep(Gpt2Transformer.Pass pass, NDArray lastHidden) {
        cache = pass.present();
        logits = backend.transformer().logits(lastHidden);
        for (Gpt2Transformer.KeyValue kv : cache) {
            NDScope.unregister(kv.keys(), kv.values());
        }
        NDScope.unregister(logits);
    }

    private static void close(List<Gpt2Transformer.KeyValue> arrays) {
        if (arrays != null) {
            for (Gpt2Transformer.KeyValue kv : arrays) {
                kv.keys().close();
                kv.values().close();
            }
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
