package io.github.peft4j.adapter.infix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.adapter.AdapterSizes;
import io.github.peft4j.core.adapter.AdapterSizes.Source;
import io.github.peft4j.core.adapter.Settings;
import io.github.peft4j.core.format.LayerPrefixes;
import io.github.peft4j.core.memory.MemoryLimits;
import io.github.peft4j.core.training.RowEncoder;
import io.github.peft4j.core.training.RowStart;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.InjectionPoint;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.ParameterEfficientAdapter;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.spi.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Infix-tuning {@code [x; INFIX; y]} (the ablation of Li &amp; Liang 2021, Section 7.2) bound to one decoder-only
 * model: trainable activations of I virtual tokens at every layer, placed between a row's source x and its target y
 * ({@link InjectionPoint#ATTENTION_INFIX}), optionally produced by the MLP
 * {@code Embedding(I, d) -> Linear(d, k) -> tanh -> Linear(k, L*2*d)}.
 *
 * <p>As for prefix-tuning, a virtual token's activations are its keys and values in every layer. The backend shows
 * them only to the tokens after the infix and shifts those tokens' positions by I, so the source is computed exactly
 * as without an infix and the target exactly as if I real tokens with these activations had been inserted: an infix
 * made of real tokens' keys/values (computed after the same source) gives, at the target's positions, the logits of
 * inserting those tokens. Generation treats everything generated as target.
 *
 * <p>Where the infix sits ({@link InfixConfig.Boundary}): by default before the source's last token, the separator
 * that ends every source in Li &amp; Liang's layout; their code puts the separator on the target side, after the
 * infix, so that the position that predicts the target's first token sees the infix. With {@code boundary=target}
 * the infix sits exactly between source and target: the first target token is then predicted by the last source
 * token, which cannot see the infix, so that prediction is the base model's. Either way the loss counts every target
 * token, so losses compare across methods.
 *
 * <p>Li &amp; Liang's code adds the activations the frozen model computes for trainable input embeddings placed
 * after x to its MLP output, which makes their infix depend on x; here the infix is the free parameters of the
 * paper's description (as a prefix is), the same for every row.
 *
 * <p>Parameters: {@code infix_module.embedding.weight} and, with an MLP, {@code infix_module.transform.{0,2}.*}.
 * {@link #hooks} runs the MLP once per forward pass, in the pass's manager and the caller's grad mode. Not
 * thread-safe.
 */
public final class InfixAdapter implements ParameterEfficientAdapter {
    static final String NAME_PREFIX = "infix_module.";

    private final InfixConfig config;
    private final ModelBackend backend;
    private final NDManager manager;
    private final RowEncoder encoder;

    private InfixAdapter(InfixConfig config, ModelBackend backend, NDManager manager, RowEncoder encoder) {
        this.config = config;
        this.backend = backend;
        this.manager = manager;
        this.encoder = encoder;
    }

    /**
     * Creates the adapter for {@code context}'s model, its parameters in a sub-manager of {@code context}'s manager.
     * Random values come from {@link AdapterContext#seed()}; {@code init=words} runs the frozen model over the words
     * (after the context, if any) and, with an MLP, fits the MLP to their keys and values (which opens a gradient
     * collector: do not call it inside one).
     *
     * @throws PeftException {@link StandardErrorCode#UNSUPPORTED_INJECTION_POINT} if the backend does not offer
     *     {@link InjectionPoint#ATTENTION_INFIX} or the model is encoder-decoder; {@link StandardErrorCode#INVALID_ARGUMENT}
     *     if the settings do not fit the model or the starting point
     */
    public static InfixAdapter create(InfixConfig config, AdapterContext context) {
        ModelBackend backend = context.backend();
        if (!backend.injectionPoints().contains(InjectionPoint.ATTENTION_INFIX)) {
            throw new PeftException(StandardErrorCode.UNSUPPORTED_INJECTION_POINT, "Infix-tuning places keys and values between source and target"
                    + " (ATTENTION_INFIX), which the " + backend.family() + " backend does not offer; it offers " + backend.injectionPoints());
        }
        ModelGeometry geometry = backend.geometry();
        if (geometry.isEncoderDecoder()) {
            throw new PeftException(StandardErrorCode.UNSUPPORTED_INJECTION_POINT, "Infix-tuning [x; INFIX; y] needs source and target in one"
                    + " sequence (a decoder-only model); this " + backend.family() + " model is encoder-decoder");
        }
        int hidden = geometry.hiddenSize();
        int width = rowWidth(geometry);
        SplittableRandom random = new SplittableRandom(context.seed());
        NDManager manager = context.manager().newSubManager();
        try (NDManager scratch = manager.newSubManager()) {
            int length;
            int mlpWidth;
            Map<String, float[]> values;
            Optional<float[]> fitTo = Optional.empty();
            switch (config.init()) {
                case RANDOM -> {
                    length = config.length().orElse(InfixConfig.DEFAULT_LENGTH);
                    mlpWidth = config.mlpWidth().orElse(InfixConfig.DEFAULT_MLP_WIDTH);
                    checkSizes(geometry, Source.setting(InfixConfig.LENGTH, length), Source.setting(InfixConfig.MLP_WIDTH, mlpWidth));
                    values = RowEncoder.randomValues(RowEncoder.shapes(length, mlpWidth, hidden, width), random);
                }
                case WORDS -> {
                    long[] words = ids(config.initIds(), config.initText(), InfixConfig.INIT_IDS, InfixConfig.INIT_TEXT, backend);
                    long[] contextIds = ids(config.contextIds(), config.contextText(), InfixConfig.INIT_CONTEXT_IDS, InfixConfig.INIT_CONTEXT_TEXT, backend);
                    length = Settings.agree(InfixConfig.LENGTH, config.length(), words.length, "the " + words.length + " tokens of the init words");
                    mlpWidth = config.mlpWidth().orElse(InfixConfig.DEFAULT_MLP_WIDTH);
                    AdapterSizes.checkReadable(new Source(contextIds.length + (long) length, "the " + contextIds.length + " tokens of the context ("
                            + InfixConfig.INIT_CONTEXT_IDS + " or " + InfixConfig.INIT_CONTEXT_TEXT + ") and the " + length + " of the init words",
                            "use a shorter context or fewer words"), geometry);
                    checkSizes(geometry, new Source(length, "the " + length + " tokens of the init words", "use fewer words"),
                            Source.setting(InfixConfig.MLP_WIDTH, mlpWidth));
                    float[] rows = wordRows(backend, contextIds, words, scratch);
                    if (mlpWidth == 0) {
                        values = Map.of(RowEncoder.EMBEDDING, rows);
                    }
                    else {
                        values = RowEncoder.randomValues(RowEncoder.shapes(length, mlpWidth, hidden, width), random);
                        fitTo = Optional.of(rows);
                    }
                }
                case FILE -> {
                    Path file = config.initFile().orElseThrow();
                    RowStart start = fromFile(file, geometry, scratch);
                    String source = InfixConfig.INIT_FILE + " " + file;
                    length = Settings.agree(InfixConfig.LENGTH, config.length(), start.length(), source);
                    mlpWidth = Settings.agree(InfixConfig.MLP_WIDTH, config.mlpWidth(), start.mlpWidth(), source);
                    checkSizes(geometry, start.lengthSource(InfixConfig.INIT_FILE, file), start.mlpWidthSource(InfixConfig.INIT_FILE));
                    values = start.values();
                }
                default -> throw new IllegalStateException(config.init().toString());
            }
            RowEncoder encoder = RowEncoder.start(NAME_PREFIX, length, mlpWidth, hidden, width, values, fitTo, manager, scratch);
            return new InfixAdapter(config, backend, manager, encoder);
        }
        catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Refuses, before anything is allocated, an infix that leaves no position for the target (whose positions it
     * shifts by I) or that does not fit in memory.
     */
    private static void checkSizes(ModelGeometry geometry, Source length, Source mlpWidth) {
        AdapterSizes.checkPositions(length, geometry);
        RowEncoder.checkSizes("An infix", 1, length, mlpWidth, geometry.hiddenSize(), rowWidth(geometry), MemoryLimits.current());
    }

    /** {@code L*2*d}: a row holds a virtual token's keys and values in every layer. */
    static int rowWidth(ModelGeometry geometry) {
        return 2 * geometry.decoderLayers() * geometry.hiddenSize();
    }

    /**
     * The rows {@code [I, L*2*d]} of the keys and values the words have when they follow {@code context} (positions
     * |context|..|context|+I-1): inserted after exactly that context, an infix of these rows is the words.
     */
    static float[] wordRows(ModelBackend backend, long[] context, long[] words, NDManager scratch) {
        long[] sequence = new long[context.length + words.length];
        System.arraycopy(context, 0, sequence, 0, context.length);
        System.arraycopy(words, 0, sequence, context.length, words.length);
        List<KeyValuePrefix> all = backend.keyValues(scratch.create(sequence, new Shape(1, sequence.length)), AttentionSite.DECODER_SELF);
        List<KeyValuePrefix> tail = new ArrayList<>(all.size());
        NDIndex wordsOnly = new NDIndex(":, :, {}:, :", context.length);
        for (KeyValuePrefix layer : all) {
            tail.add(new KeyValuePrefix(layer.keys().get(wordsOnly), layer.values().get(wordsOnly)));
        }
        return new LayerPrefixes(AttentionSite.DECODER_SELF, tail, 0).toRows().toFloatArray();
    }

    /** Ids given as ids or as text (encoded with the model's tokenizer); empty when neither is given. */
    private static long[] ids(List<Long> given, Optional<String> text, String idsKey, String textKey, ModelBackend backend) {
        long[] ids;
        if (text.isPresent()) {
            TextTokenizer tokenizer = backend.tokenizer().orElseThrow(() -> new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                    textKey + " needs the model's tokenizer, but this " + backend.family() + " model directory has no tokenizer files; give " + idsKey
                            + " instead"));
            ids = tokenizer.encode(text.get());
            if (ids.length == 0) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, textKey + " '" + text.get() + "' encodes to no tokens");
            }
        }
        else {
            ids = given.stream().mapToLong(Long::longValue).toArray();
        }
        int vocabulary = backend.geometry().vocabSize();
        for (long id : ids) {
            if (id >= vocabulary) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, idsKey + " holds token id " + id + ", outside the model's vocabulary [0, "
                        + vocabulary + ")");
            }
        }
        return ids;
    }

    /** How messages about an {@code init-file} name things. */
    private static final RowStart.Wording FILE_WORDING = new RowStart.Wording(InfixConfig.INIT_FILE, "an infix adapter",
            "an exported infix directory", "an infix", false);

    /** An exported infix directory (flat activations), or a safetensors file of the trainable tensors. */
    private static RowStart fromFile(Path path, ModelGeometry geometry, NDManager scratch) {
        if (Files.isDirectory(path)) {
            return RowStart.ofRows(InfixFiles.read(path, scratch, geometry).rows());
        }
        return RowStart.fromSafetensors(path, NAME_PREFIX, geometry.hiddenSize(), rowWidth(geometry), FILE_WORDING, scratch);
    }

    @Override
    public String method() {
        return InfixAdapterProvider.NAME;
    }

    /** The number of infix tokens I. */
    public int length() {
        return encoder.rows();
    }

    /** The MLP's hidden width k; 0 when the activations are trained directly. */
    public int mlpWidth() {
        return encoder.mlpWidth();
    }

    @Override
    public Map<String, NDArray> trainableParameters() {
        return encoder.parameters();
    }

    /**
     * Per layer, the infix keys and values {@code [1, heads, I, headDim]} (broadcast over the batch), and where the
     * infix sits ({@link AdapterHooks#infixSourceTail}), all in {@code context}'s manager.
     */
    @Override
    public AdapterHooks hooks(ForwardContext context) {
        List<KeyValuePrefix> layers = LayerPrefixes.fromRows(encoder.rows(context.manager()), backend.geometry(), AttentionSite.DECODER_SELF, 0).layers();
        int tail = config.boundary().sourceTail();
        return new AdapterHooks() {
            @Override
            public Optional<KeyValuePrefix> attentionInfix(AttentionSite site, int layer) {
                return site == AttentionSite.DECODER_SELF && layer < layers.size() ? Optional.of(layers.get(layer)) : Optional.empty();
            }

            @Override
            public int infixSourceTail(Stack stack) {
                return stack == Stack.DECODER ? tail : 0;
            }
        };
    }

    @Override
    public InfixConfig config() {
        return config;
    }

    /**
     * Writes the infix (the MLP applied and dropped) as an infix directory ({@link InfixFiles}), with
     * {@code base_model_name_or_path} set to the backend's family.
     */
    @Override
    public void export(Path directory) {
        try (NDManager scratch = manager.newSubManager()) {
            InfixFiles.write(directory, encoder.rows(scratch).stopGradient(), config.boundary(), backend.geometry(), backend.family());
        }
    }

    /** I x L x 2 x d. */
    @Override
    public long exportedParameterCount() {
        return encoder.exportedSize();
    }

    /** Frees the parameters (and any gradients attached to them). */
    @Override
    public void close() {
        manager.close();
    }
}
