package io.github.peft4j.adapter.embedding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.peft4j.core.adapter.AdapterSizes;
import io.github.peft4j.core.adapter.AdapterSizes.Source;
import io.github.peft4j.core.adapter.Settings;
import io.github.peft4j.core.memory.MemoryLimits;
import io.github.peft4j.core.training.RowEncoder;
import io.github.peft4j.core.training.RowStart;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.InjectionPoint;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.ParameterEfficientAdapter;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.spi.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Embedding-only tuning (the ablation of Li &amp; Liang 2021, Section 7.2; prompt tuning in Hugging Face PEFT) bound
 * to one model: P trainable continuous embeddings placed before the real tokens at the input layer only
 * ({@link InjectionPoint#INPUT_EMBEDDINGS}), optionally produced by the MLP
 * {@code Embedding(P, d) -> Linear(d, k) -> tanh -> Linear(k, d)} as in Li &amp; Liang's code.
 *
 * <p>The virtual tokens take positions 0..P-1 and the real tokens are numbered from P, as Hugging Face PEFT's
 * prompt tuning (which concatenates the embeddings before the tokens' embeddings) does; so virtual embeddings equal
 * to real tokens' embeddings give exactly the logits of prepending those tokens. A decoder-only model's virtual tokens
 * go before its input; an encoder-decoder model's before its encoder input.
 *
 * <p>Parameters: {@code prompt_module.embedding.weight} ({@code [P, d]}, which is PEFT's {@code prompt_embeddings}
 * when there is no MLP) and, with an MLP, {@code prompt_module.transform.{0,2}.{weight,bias}}. {@link #hooks} runs the
 * MLP once per forward pass, in the pass's manager and the caller's grad mode. Not thread-safe.
 */
public final class EmbeddingAdapter implements ParameterEfficientAdapter {
    static final String NAME_PREFIX = "prompt_module.";

    private final EmbeddingConfig config;
    private final ModelBackend backend;
    private final NDManager manager;
    private final RowEncoder encoder;
    private final Stack stack;

    private EmbeddingAdapter(EmbeddingConfig config, ModelBackend backend, NDManager manager, RowEncoder encoder) {
        this.config = config;
        this.backend = backend;
        this.manager = manager;
        this.encoder = encoder;
        this.stack = backend.geometry().isEncoderDecoder() ? Stack.ENCODER : Stack.DECODER;
    }

    /**
     * Creates the adapter for {@code context}'s model, its parameters in a sub-manager of {@code context}'s manager.
     * Random values come from {@link AdapterContext#seed()}; {@code init=words} reads the words' token embeddings
     * ({@link ModelBackend#tokenEmbeddings}) and, with an MLP, fits the MLP to them (which opens a gradient collector:
     * do not call it inside one).
     *
     * @throws PeftException {@link StandardErrorCode#UNSUPPORTED_INJECTION_POINT} if the backend does not offer
     *     {@link InjectionPoint#INPUT_EMBEDDINGS}; {@link StandardErrorCode#INVALID_ARGUMENT} if the settings do not
     *     fit the model or the starting point
     */
    public static EmbeddingAdapter create(EmbeddingConfig config, AdapterContext context) {
        ModelBackend backend = context.backend();
        if (!backend.injectionPoints().contains(InjectionPoint.INPUT_EMBEDDINGS)) {
            throw new PeftException(StandardErrorCode.UNSUPPORTED_INJECTION_POINT, "Embedding-only tuning places virtual input embeddings (INPUT_EMBEDDINGS), which the "
                    + backend.family() + " backend does not offer; it offers " + backend.injectionPoints());
        }
        ModelGeometry geometry = backend.geometry();
        int hidden = geometry.hiddenSize();
        SplittableRandom random = new SplittableRandom(context.seed());
        NDManager manager = context.manager().newSubManager();
        try (NDManager scratch = manager.newSubManager()) {
            int length;
            int mlpWidth;
            Map<String, float[]> values;
            Optional<float[]> fitTo = Optional.empty();
            switch (config.init()) {
                case RANDOM -> {
                    length = config.length().orElse(EmbeddingConfig.DEFAULT_LENGTH);
                    mlpWidth = config.mlpWidth().orElse(EmbeddingConfig.DEFAULT_MLP_WIDTH);
                    checkSizes(geometry, Source.setting(EmbeddingConfig.LENGTH, length), Source.setting(EmbeddingConfig.MLP_WIDTH, mlpWidth));
                    values = RowEncoder.randomValues(RowEncoder.shapes(length, mlpWidth, hidden, hidden), random);
                }
                case WORDS -> {
                    long[] words = wordIds(config, backend);
                    length = config.length().orElse(words.length);
                    mlpWidth = config.mlpWidth().orElse(EmbeddingConfig.DEFAULT_MLP_WIDTH);
                    Source lengthSource = config.length().isPresent() ? Source.setting(EmbeddingConfig.LENGTH, length)
                            : new Source(length, "the " + length + " tokens of the init words", "use fewer words");
                    checkSizes(geometry, lengthSource, Source.setting(EmbeddingConfig.MLP_WIDTH, mlpWidth));
                    float[] embeddings = backend.tokenEmbeddings(scratch.create(cycled(words, length))).toFloatArray();
                    if (mlpWidth == 0) {
                        values = Map.of(RowEncoder.EMBEDDING, embeddings);
                    }
                    else {
                        values = RowEncoder.randomValues(RowEncoder.shapes(length, mlpWidth, hidden, hidden), random);
                        fitTo = Optional.of(embeddings);
                    }
                }
                case FILE -> {
                    Path file = config.initFile().orElseThrow();
                    RowStart start = fromFile(file, geometry, scratch);
                    String source = EmbeddingConfig.INIT_FILE + " " + file;
                    length = Settings.agree(EmbeddingConfig.LENGTH, config.length(), start.length(), source);
                    mlpWidth = Settings.agree(EmbeddingConfig.MLP_WIDTH, config.mlpWidth(), start.mlpWidth(), source);
                    checkSizes(geometry, start.lengthSource(EmbeddingConfig.INIT_FILE, file), start.mlpWidthSource(EmbeddingConfig.INIT_FILE));
                    values = start.values();
                }
                default -> throw new IllegalStateException(config.init().toString());
            }
            RowEncoder encoder = RowEncoder.start(NAME_PREFIX, length, mlpWidth, hidden, hidden, values, fitTo, manager, scratch);
            return new EmbeddingAdapter(config, backend, manager, encoder);
        }
        catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Refuses, before anything is allocated, virtual tokens that leave no position for a real token (they take
     * positions 0..P-1) or that do not fit in memory.
     */
    private static void checkSizes(ModelGeometry geometry, Source length, Source mlpWidth) {
        AdapterSizes.checkPositions(length, geometry);
        RowEncoder.checkSizes("An embedding adapter", 1, length, mlpWidth, geometry.hiddenSize(), geometry.hiddenSize(), MemoryLimits.current());
    }

    /** The words' token ids: {@code init-ids}, or {@code init-text} encoded with the model's tokenizer. */
    private static long[] wordIds(EmbeddingConfig config, ModelBackend backend) {
        long[] ids;
        if (config.initText().isPresent()) {
            TextTokenizer tokenizer = backend.tokenizer().orElseThrow(() -> new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                    EmbeddingConfig.INIT_TEXT + " needs the model's tokenizer, but this " + backend.family()
                            + " model directory has no tokenizer files; give " + EmbeddingConfig.INIT_IDS + " instead"));
            ids = tokenizer.encode(config.initText().get());
            if (ids.length == 0) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, EmbeddingConfig.INIT_TEXT + " '" + config.initText().get() + "' encodes to no tokens");
            }
        }
        else {
            ids = config.initIds().stream().mapToLong(Long::longValue).toArray();
        }
        int vocabulary = backend.geometry().vocabSize();
        for (long id : ids) {
            if (id >= vocabulary) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, EmbeddingConfig.INIT_IDS + " holds token id " + id
                        + ", outside the model's vocabulary [0, " + vocabulary + ")");
            }
        }
        return ids;
    }

    /** The words repeated (or cut) to fill {@code length} virtual tokens, as PEFT's TEXT initialisation does. */
    static long[] cycled(long[] words, int length) {
        long[] ids = new long[length];
        for (int i = 0; i < length; i++) {
            ids[i] = words[i % words.length];
        }
        return ids;
    }

    /** How messages about an {@code init-file} name things. */
    private static final RowStart.Wording FILE_WORDING = new RowStart.Wording(EmbeddingConfig.INIT_FILE, "an embedding adapter",
            "a PEFT prompt-tuning directory", "embeddings", true);

    /** A PEFT prompt-tuning directory (flat embeddings), or a safetensors file of the trainable tensors. */
    private static RowStart fromFile(Path path, ModelGeometry geometry, NDManager scratch) {
        int hidden = geometry.hiddenSize();
        if (Files.isDirectory(path)) {
            return RowStart.ofRows(PromptTuningFiles.read(path, scratch, geometry));
        }
        return RowStart.fromSafetensors(path, NAME_PREFIX, hidden, hidden, FILE_WORDING, scratch);
    }

    @Override
    public String method() {
        return EmbeddingAdapterProvider.NAME;
    }

    /** The number of virtual tokens P. */
    public int length() {
        return encoder.rows();
    }

    /** The MLP's hidden width k; 0 when the embeddings are trained directly. */
    public int mlpWidth() {
        return encoder.mlpWidth();
    }

    @Override
    public Map<String, NDArray> trainableParameters() {
        return encoder.parameters();
    }

    /**
     * The virtual embeddings {@code [1, P, d]} (broadcast over the batch) for the model's input stack, and the real
     * tokens' positions starting at P, all in {@code context}'s manager.
     */
    @Override
    public AdapterHooks hooks(ForwardContext context) {
        NDArray embeddings = encoder.rows(context.manager()).expandDims(0);
        int length = encoder.rows();
        return new AdapterHooks() {
            @Override
            public Optional<NDArray> inputEmbeddings(Stack asked) {
                return asked == stack ? Optional.of(embeddings) : Optional.empty();
            }

            @Override
            public int positionOffset(Stack asked) {
                return asked == stack ? length : 0;
            }
        };
    }

    @Override
    public EmbeddingConfig config() {
        return config;
    }

    /**
     * Writes the embeddings (the MLP applied and dropped) as a Hugging Face PEFT prompt-tuning directory, with
     * {@code base_model_name_or_path} set to the backend's family (e.g. {@code gpt2}), since a backend does not know
     * the name its model was published under.
     */
    @Override
    public void export(Path directory) {
        try (NDManager scratch = manager.newSubManager()) {
            PromptTuningFiles.write(directory, encoder.rows(scratch).stopGradient(), backend.geometry(), backend.family());
        }
    }

    /** P x d. */
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
