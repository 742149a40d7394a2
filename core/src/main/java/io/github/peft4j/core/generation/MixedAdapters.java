package io.github.peft4j.core.generation;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.BiFunction;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Batches whose rows use different adapters over one frozen model, as a server holding many customers' trained
 * prefixes decodes them. The caller computes each choice's hooks once (an adapter's {@code hooks} for a batch of 1
 * outside training, or {@link AdapterHooks#NONE} for rows without an adapter); {@link #hooks} then stacks, per
 * attention site and layer, each row's chosen prefix into one {@code [batch, heads, P, headDim]} prefix, which the
 * backend gives to that row alone and, through {@link io.github.peft4j.spi.DecodingState#selectRows}, to the row's
 * beams.
 *
 * <p>What a backend takes per batch rather than per row must agree among the rows decoded together: the prefix
 * length at each attention site (every prefix column is visible to every query, so a shorter prefix cannot be padded
 * with masked columns) and where real tokens' positions start. Choices that contribute more than attention prefixes
 * (input embeddings, an infix) are never stacked: a batch with their rows holds no other choice. {@link #batches}
 * groups rows accordingly, {@link #generate} decodes any mix of rows in such batches, and {@link #hooks} refuses a
 * batch that mixes what cannot be mixed.
 */
public final class MixedAdapters {
    private final ModelGeometry geometry;
    private final List<AdapterHooks> choices;
    private final List<BatchKey> keys;

    private MixedAdapters(ModelGeometry geometry, List<AdapterHooks> choices, List<BatchKey> keys) {
        this.geometry = geometry;
        this.choices = choices;
        this.keys = keys;
    }

    /**
     * The choices rows may pick by index; their arrays stay the caller's.
     *
     * @throws PeftException {@link StandardErrorCode#SHAPE_MISMATCH} if a choice's prefix is not
     *     {@code [1, heads, P, headDim]} of this geometry, or its length differs between layers of one site
     */
    public static MixedAdapters of(ModelGeometry geometry, List<AdapterHooks> choices) {
        requireNonNull(geometry, "geometry");
        List<AdapterHooks> copy = List.copyOf(choices);
        if (copy.isEmpty()) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Give at least one adapter choice (AdapterHooks.NONE for the base model)");
        }
        List<BatchKey> keys = new ArrayList<>(copy.size());
        for (int choice = 0; choice < copy.size(); choice++) {
            keys.add(BatchKey.of(geometry, copy.get(choice), choice));
        }
        return new MixedAdapters(geometry, copy, List.copyOf(keys));
    }

    /**
     * The rows (indices into {@code choiceOfRow}) in batches of at most {@code batchSize} that {@link #hooks} can
     * serve: rows whose choices stack together, in order of first appearance, each group cut into batches in row order.
     * A single choice gives consecutive batches.
     */
    public List<int[]> batches(int[] choiceOfRow, int batchSize) {
        requireChoices(choiceOfRow);
        if (batchSize < 1) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "The batch size must be at least 1, got " + batchSize);
        }
        Map<BatchKey, List<Integer>> groups = new LinkedHashMap<>();
        for (int row = 0; row < choiceOfRow.length; row++) {
            groups.computeIfAbsent(keys.get(choiceOfRow[row]), key -> new ArrayList<>()).add(row);
        }
        List<int[]> batches = new ArrayList<>();
        for (List<Integer> group : groups.values()) {
            for (int start = 0; start < group.size(); start += batchSize) {
                batches.add(group.subList(start, Math.min(group.size(), start + batchSize)).stream().mapToInt(Integer::intValue).toArray());
            }
        }
        return batches;
    }

    /**
     * The hooks for one batch whose row {@code i} uses choice {@code choiceOfRow[i]}. When every row uses one choice,
     * that choice's hooks themselves (its prefix broadcasts, nothing is copied); otherwise per-row prefixes created in
     * {@code manager}, each choice's arrays referenced once per row that uses it.
     *
     * @throws PeftException {@link StandardErrorCode#INVALID_ARGUMENT} if the rows' choices cannot share a batch
     *     (see {@link #batches})
     */
    public AdapterHooks hooks(int[] choiceOfRow, NDManager manager) {
        requireChoices(choiceOfRow);
        if (choiceOfRow.length == 0) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "A batch needs at least one row");
        }
        int first = choiceOfRow[0];
        if (IntStream.of(choiceOfRow).allMatch(choice -> choice == first)) {
            return choices.get(first);
        }
        BatchKey key = keys.get(first);
        for (int row = 1; row < choiceOfRow.length; row++) {
            BatchKey other = keys.get(choiceOfRow[row]);
            if (key.soleChoice().isPresent() || other.soleChoice().isPresent()) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Rows 0 and " + row + " use choices " + first + " and " + choiceOfRow[row]
                        + ", of which one adds more than attention prefixes (input embeddings or an infix), which rows cannot choose apart;"
                        + " decode its rows in batches of their own (MixedAdapters.batches groups them)");
            }
            if (!other.equals(key)) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Rows 0 and " + row + " use choices " + first + " and " + choiceOfRow[row]
                        + " with prefix lengths " + key.layout().prefixLengths() + " and " + other.layout().prefixLengths() + ", positions from "
                        + key.layout().positionOffsets() + " and " + other.layout().positionOffsets()
                        + ": one batch takes one prefix length and one position numbering; decode them in separate batches (MixedAdapters.batches groups them)");
            }
        }
        return stacked(choiceOfRow, key.layout(), requireNonNull(manager, "manager"));
    }

    /**
     * Decodes every row, in the batches {@link #batches} forms, and returns each row's outputs in row order.
     *
     * @param prompts builds the prompt of the given rows (in that order) in the given pass manager
     * @param progress told how many rows are done after each batch
     * @return per row, its {@code numReturnSequences} best outputs, best first
     */
    public List<List<GeneratedSequence>> generate(ModelBackend backend, int[] choiceOfRow, int batchSize,
            BiFunction<int[], NDManager, ForwardInput> prompts, GenerationConfig config, NDManager manager, IntConsumer progress) {
        List<List<GeneratedSequence>> outputs = new ArrayList<>(Collections.nCopies(choiceOfRow.length, null));
        int done = 0;
        for (int[] rows : batches(choiceOfRow, batchSize)) {
            try (NDManager pass = manager.newSubManager()) {
                int[] batchChoices = IntStream.of(rows).map(row -> choiceOfRow[row]).toArray();
                List<List<GeneratedSequence>> decoded = Generator.generate(backend, prompts.apply(rows, pass), hooks(batchChoices, pass), config);
                for (int i = 0; i < rows.length; i++) {
                    outputs.set(rows[i], decoded.get(i));
                }
            }
            done += rows.length;
            progress.accept(done);
        }
        return outputs;
    }

    private AdapterHooks stacked(int[] choiceOfRow, Layout layout, NDManager manager) {
        Map<AttentionSite, List<KeyValuePrefix>> prefixes = new EnumMap<>(AttentionSite.class);
        layout.prefixLengths().forEach((site, length) -> {
            if (length > 0) {
                List<KeyValuePrefix> layers = new ArrayList<>();
                for (int layer = 0; layer < geometry.layers(site.stack()); layer++) {
                    NDList keys = new NDList();
                    NDList values = new NDList();
                    for (int choice : choiceOfRow) {
                        KeyValuePrefix prefix = choices.get(choice).attentionPrefix(site, layer).orElseThrow();
                        keys.add(prefix.keys());
                        values.add(prefix.values());
                    }
                    layers.add(new KeyValuePrefix(concatenatedIn(keys, manager), concatenatedIn(values, manager)));
                }
                prefixes.put(site, List.copyOf(layers));
            }
        });
        return new AdapterHooks() {
            @Override
            public Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
                List<KeyValuePrefix> layers = prefixes.get(site);
                return layers == null || layer >= layers.size() ? Optional.empty() : Optional.of(layers.get(layer));
            }

            @Override
            public int positionOffset(Stack stack) {
                return layout.positionOffsets().get(stack);
            }
        };
    }

    /** The rows' arrays one after another along the batch axis, owned by {@code manager} (not the first row's). */
    private static NDArray concatenatedIn(NDList rows, NDManager manager) {
        NDArray stacked = NDArrays.concat(rows, 0);
        stacked.attach(manager);
        return stacked;
    }

    private void requireChoices(int[] choiceOfRow) {
        for (int row = 0; row < requireNonNull(choiceOfRow, "choiceOfRow").length; row++) {
            if (choiceOfRow[row] < 0 || choiceOfRow[row] >= choices.size()) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Row " + row + " chooses adapter " + choiceOfRow[row] + " of "
                        + choices.size() + " (0 to " + (choices.size() - 1) + ")");
            }
        }
    }

    /** What a batch shares among its rows: the prefix length per attention site and where positions start per stack. */
    private record Layout(Map<AttentionSite, Integer> prefixLengths, Map<Stack, Integer> positionOffsets) {
    }

    /**
     * Rows with equal keys may share a batch: choices that only add prefixes group by layout; any other choice is
     * its own group ({@code soleChoice}).
     */
    private record BatchKey(Layout layout, OptionalInt soleChoice) {
        static BatchKey of(ModelGeometry geometry, AdapterHooks hooks, int choice) {
            Map<AttentionSite, Integer> lengths = new EnumMap<>(AttentionSite.class);
            boolean prefixesOnly = true;
            for (AttentionSite site : AttentionSite.values()) {
                int layers = geometry.layers(site.stack());
                for (int layer = 0; layer < layers; layer++) {
                    Optional<KeyValuePrefix> prefix = hooks.attentionPrefix(site, layer);
                    int length = prefix.isPresent() ? sharedLength(prefix.get(), geometry, choice, site, layer) : 0;
                    if (lengths.containsKey(site) && lengths.get(site) != length) {
                        throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Choice " + choice + " gives a " + site + " prefix of length " + length
                                + " at layer " + layer + " but " + lengths.get(site) + " before: every layer of a site needs one length");
                    }
                    lengths.put(site, length);
                    prefixesOnly &= hooks.attentionInfix(site, layer).isEmpty();
                }
            }
            Map<Stack, Integer> offsets = new EnumMap<>(Stack.class);
            for (Stack stack : Stack.values()) {
                offsets.put(stack, hooks.positionOffset(stack));
                prefixesOnly &= hooks.inputEmbeddings(stack).isEmpty();
            }
            Layout layout = new Layout(Collections.unmodifiableMap(lengths), Collections.unmodifiableMap(offsets));
            return new BatchKey(layout, prefixesOnly ? OptionalInt.empty() : OptionalInt.of(choice));
        }

        /** P of a prefix that every row choosing it can share: {@code [1, heads, P, headDim]}. */
        private static int sharedLength(KeyValuePrefix prefix, ModelGeometry geometry, int choice, AttentionSite site, int layer) {
            long[] shape = prefix.keys().getShape().getShape();
            if (shape[0] != 1 || shape[1] != geometry.heads() || shape[3] != geometry.headDim()) {
                throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "Choice " + choice + "'s " + site + " prefix at layer " + layer + " is "
                        + Arrays.toString(shape) + "; rows share a prefix of [1, " + geometry.heads() + ", P, " + geometry.headDim()
                        + "] (compute each adapter's hooks for a batch of 1, outside training)");
            }
            return prefix.length();
        }
    }
}
