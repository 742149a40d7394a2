package io.github.peft4j.adapter.prefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.adapter.AdapterSizes;
import io.github.peft4j.core.adapter.AdapterSizes.Source;
import io.github.peft4j.core.adapter.Settings;
import io.github.peft4j.core.format.LayerPrefixes;
import io.github.peft4j.core.format.PrefixFiles;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.memory.MemoryLimits;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Prefix-tuning (Li &amp; Liang 2021) bound to one model: trainable keys and values prepended to the attention of
 * every layer, optionally reparameterised by an MLP.
 *
 * <p>Each attention site that gets a prefix ({@link #sites}) is an independent part with its own parameters, named
 * as Hugging Face PEFT's {@code PrefixEncoder} names them: {@code prefix_module.embedding.weight} and, with an MLP,
 * {@code prefix_module.transform.{0,2}.{weight,bias}} for one part; with several parts
 * {@code prefix_module.{encoder,decoder,cross}.*}. An encoder-decoder model gets Li &amp; Liang's three parts, or
 * with {@code parts=peft} Hugging Face PEFT's one decoder self-attention part (see {@link PrefixConfig}).
 *
 * <p>{@link #hooks} runs each part's MLP once per forward pass, in the caller's grad mode and in the pass's
 * manager, so that gradients reach the parameters inside a gradient collector and the pass's arrays are freed
 * with it. Dropout draws its masks from a generator seeded with the pass's {@link ForwardContext#randomSeed()}, so
 * that a resumed training run draws the masks the uninterrupted run drew; passes without one draw from the
 * adapter's own seeded generator, which makes the adapter not thread-safe.
 */
public final class PrefixAdapter implements ParameterEfficientAdapter {
    private static final String NAME_ROOT = "prefix_module.";

    private final PrefixConfig config;
    private final ModelBackend backend;
    private final NDManager manager;
    private final List<PrefixEncoder> parts;
    private final Map<String, NDArray> parameters;
    private final RandomGenerator dropoutRandom;
    private final PrefixConfig.Positions positions;
    /** PEFT's seq2seq quirk: every decoder layer gets layer 0's keys and values. */
    private final boolean layerZeroEverywhere;

    private PrefixAdapter(PrefixConfig config, ModelBackend backend, NDManager manager, List<PrefixEncoder> parts, RandomGenerator dropoutRandom) {
        this.config = config;
        boolean encoderDecoder = backend.geometry().isEncoderDecoder();
        this.positions = config.positions(encoderDecoder);
        this.layerZeroEverywhere = encoderDecoder && config.parts(true) == PrefixConfig.Parts.PEFT;
        this.backend = backend;
        this.manager = manager;
        this.parts = List.copyOf(parts);
        Map<String, NDArray> all = new LinkedHashMap<>();
        parts.forEach(part -> all.putAll(part.parameters()));
        this.parameters = Collections.unmodifiableMap(all);
        this.dropoutRandom = dropoutRandom;
    }

    /**
     * Creates the adapter for {@code context}'s model, its parameters in a sub-manager of {@code context}'s manager.
     * Random values come from {@link AdapterContext#seed()}; {@code init=words} runs the frozen model over the words
     * (and, with an MLP, fits the MLP to their keys and values, which opens a gradient collector: do not call it
     * inside one).
     *
     * @throws PeftException {@link StandardErrorCode#UNSUPPORTED_INJECTION_POINT} if the backend does not offer
     *     {@link InjectionPoint#ATTENTION_PREFIX}; {@link StandardErrorCode#INVALID_ARGUMENT} if the settings do not
     *     fit the model or the starting point
     */
    public static PrefixAdapter create(PrefixConfig config, AdapterContext context) {
        ModelBackend backend = context.backend();
        if (!backend.injectionPoints().contains(InjectionPoint.ATTENTION_PREFIX)) {
            throw new PeftException(StandardErrorCode.UNSUPPORTED_INJECTION_POINT, "Prefix-tuning prepends keys and values to attention (ATTENTION_PREFIX), which the "
                    + backend.family() + " backend does not offer; it offers " + backend.injectionPoints());
        }
        ModelGeometry geometry = backend.geometry();
        if (!geometry.isEncoderDecoder() && config.parts().equals(Optional.of(PrefixConfig.Parts.LILIANG))) {
            // A decoder-only model has only the decoder self-attention that parts=peft prefixes: liliang's three parts cannot be.
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, PrefixConfig.PARTS + "=liliang prefixes an encoder-decoder model's encoder,"
                    + " decoder and cross-attention, but the " + backend.family() + " model is decoder-only; drop " + PrefixConfig.PARTS);
        }
        List<AttentionSite> sites = sites(geometry, config.parts(geometry.isEncoderDecoder()));
        List<String> namePrefixes = sites.stream().map(site -> namePrefix(site, sites.size())).toList();
        SplittableRandom seeds = new SplittableRandom(context.seed());
        RandomGenerator initRandom = seeds.split();
        RandomGenerator dropoutRandom = seeds.split();

        NDManager manager = context.manager().newSubManager();
        try (NDManager scratch = manager.newSubManager()) {
            Start start = switch (config.init()) {
                case RANDOM -> randomStart(config, geometry, sites, initRandom);
                case WORDS -> wordsStart(config, backend, sites, initRandom, scratch);
                case FILE -> fileStart(config, geometry, sites, namePrefixes, scratch);
            };
            List<PrefixEncoder> parts = new ArrayList<>();
            for (int part = 0; part < sites.size(); part++) {
                AttentionSite site = sites.get(part);
                Map<String, float[]> values = start.values().get(part);
                Map<String, NDArray> arrays = new LinkedHashMap<>();
                shapes(start.length(), start.mlpWidth(), geometry, site).forEach((name, shape) -> arrays.put(name, manager.create(values.get(name), shape)));
                PrefixEncoder encoder = new PrefixEncoder(site, namePrefixes.get(part), start.length(), start.mlpWidth(), geometry, arrays);
                if (start.mlpTargets().isPresent()) {
                    Shape rows = new Shape(start.length(), PrefixEncoder.rowWidth(geometry, site));
                    MlpFit.fit(encoder, scratch.create(start.mlpTargets().get().get(part), rows), scratch);
                }
                parts.add(encoder);
            }
            return new PrefixAdapter(config, backend, manager, parts, dropoutRandom);
        }
        catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Where the parameters start.
     *
     * @param values per part, by short parameter name
     * @param mlpTargets per part, rows {@code [P, L*2*d]} the MLP is to be fitted to first
     */
    private record Start(int length, int mlpWidth, List<Map<String, float[]>> values, Optional<List<float[]>> mlpTargets) {}

    private static Start randomStart(PrefixConfig config, ModelGeometry geometry, List<AttentionSite> sites, RandomGenerator random) {
        int length = config.length().orElse(PrefixConfig.DEFAULT_LENGTH);
        int mlpWidth = config.mlpWidth().orElse(PrefixConfig.DEFAULT_MLP_WIDTH);
        checkSizes(config, geometry, sites, Source.setting(PrefixConfig.LENGTH, length), Source.setting(PrefixConfig.MLP_WIDTH, mlpWidth));
        return new Start(length, mlpWidth, randomValues(length, mlpWidth, geometry, sites, random), Optional.empty());
    }

    private static List<Map<String, float[]>> randomValues(int length, int mlpWidth, ModelGeometry geometry, List<AttentionSite> sites, RandomGenerator random) {
        return sites.stream().map(site -> PrefixInitialisation.random(shapes(length, mlpWidth, geometry, site), random)).toList();
    }

    /** Flat: the words' rows are the prefix. With an MLP: random modules, then fitted to the rows. */
    private static Start wordsStart(PrefixConfig config, ModelBackend backend, List<AttentionSite> sites, RandomGenerator random, NDManager scratch) {
        long[] ids = PrefixInitialisation.wordIds(config, backend);
        int length = Settings.agree(PrefixConfig.LENGTH, config.length(), ids.length, "the " + ids.length + " tokens of the init words");
        int mlpWidth = config.mlpWidth().orElse(PrefixConfig.DEFAULT_MLP_WIDTH);
        Source words = new Source(length, "the " + length + " tokens of the init words", "use fewer words");
        AdapterSizes.checkReadable(words, backend.geometry());
        checkSizes(config, backend.geometry(), sites, words, Source.setting(PrefixConfig.MLP_WIDTH, mlpWidth));
        List<float[]> rows = sites.stream().map(site -> PrefixInitialisation.wordRows(backend, ids, site, scratch)).toList();
        if (mlpWidth == 0) {
            return new Start(length, 0, rows.stream().map(row -> Map.of(PrefixEncoder.EMBEDDING, row)).toList(), Optional.empty());
        }
        return new Start(length, mlpWidth, randomValues(length, mlpWidth, backend.geometry(), sites, random), Optional.of(rows));
    }

    private static Start fileStart(PrefixConfig config, ModelGeometry geometry, List<AttentionSite> sites, List<String> namePrefixes, NDManager scratch) {
        Path file = config.initFile().orElseThrow();
        List<RowStart> starts = PrefixInitialisation.fromFile(file, sites, namePrefixes, geometry, scratch);
        RowStart first = starts.get(0);
        String source = PrefixConfig.INIT_FILE + " " + file;
        int length = Settings.agree(PrefixConfig.LENGTH, config.length(), first.length(), source);
        int mlpWidth = Settings.agree(PrefixConfig.MLP_WIDTH, config.mlpWidth(), first.mlpWidth(), source);
        checkSizes(config, geometry, sites, first.lengthSource(PrefixConfig.INIT_FILE, file), first.mlpWidthSource(PrefixConfig.INIT_FILE));
        return new Start(length, mlpWidth, starts.stream().map(RowStart::values).toList(), Optional.empty());
    }

    /**
     * Refuses, before the parameters are allocated, a prefix after which the model has no position left for a real
     * token (with {@code positions=peft}, real tokens are numbered from P) or whose parts do not fit in memory.
     */
    private static void checkSizes(PrefixConfig config, ModelGeometry geometry, List<AttentionSite> sites, Source length, Source mlpWidth) {
        if (config.positions(geometry.isEncoderDecoder()) == PrefixConfig.Positions.PEFT) {
            AdapterSizes.checkPositions(length, geometry);
        }
        int widest = sites.stream().mapToInt(site -> PrefixEncoder.rowWidth(geometry, site)).max().orElseThrow();
        RowEncoder.checkSizes("A prefix", sites.size(), length, mlpWidth, geometry.hiddenSize(), widest, MemoryLimits.current());
    }

    /**
     * The attention sites that get a prefix by default, each its own: a decoder-only model's decoder
     * self-attention; an encoder-decoder model's encoder self-attention, decoder self-attention and decoder
     * cross-attention (Li &amp; Liang's three prefixes).
     */
    public static List<AttentionSite> sites(ModelGeometry geometry) {
        return sites(geometry, geometry.isEncoderDecoder() ? PrefixConfig.Parts.LILIANG : PrefixConfig.Parts.PEFT);
    }

    /**
     * The attention sites that get a prefix with {@code parts}: Li &amp; Liang's three for an encoder-decoder model,
     * else (PEFT's, or any decoder-only model's) the decoder self-attention alone.
     */
    public static List<AttentionSite> sites(ModelGeometry geometry, PrefixConfig.Parts parts) {
        return geometry.isEncoderDecoder() && parts == PrefixConfig.Parts.LILIANG
                ? List.of(AttentionSite.ENCODER_SELF, AttentionSite.DECODER_SELF, AttentionSite.DECODER_CROSS)
                : List.of(AttentionSite.DECODER_SELF);
    }

    private static String namePrefix(AttentionSite site, int parts) {
        if (parts == 1) {
            return NAME_ROOT;
        }
        return NAME_ROOT + switch (site) {
            case ENCODER_SELF -> "encoder.";
            case DECODER_SELF -> "decoder.";
            case DECODER_CROSS -> "cross.";
        };
    }

    private static Map<String, Shape> shapes(int length, int mlpWidth, ModelGeometry geometry, AttentionSite site) {
        return PrefixEncoder.shapes(length, mlpWidth, geometry.hiddenSize(), PrefixEncoder.rowWidth(geometry, site));
    }

    @Override
    public String method() {
        return PrefixAdapterProvider.NAME;
    }

    /** The number of virtual tokens P of every part. */
    public int prefixLength() {
        return parts.get(0).length();
    }

    /** The MLP's hidden width k; 0 when the prefix is trained directly. */
    public int mlpWidth() {
        return parts.get(0).mlpWidth();
    }

    /** The parts' attention sites, in the order of {@link #trainableParameters()}. */
    public List<AttentionSite> sites() {
        return parts.stream().map(PrefixEncoder::site).toList();
    }

    @Override
    public Map<String, NDArray> trainableParameters() {
        return parameters;
    }

    /**
     * Per layer, keys and values {@code [1, heads, P, headDim]} ({@code [batch, ...]} with dropout, which draws a
     * mask for each row as Li &amp; Liang's code does), all in {@code context}'s manager. With {@code parts=peft} on
     * an encoder-decoder model every decoder layer gets layer 0's keys and values (Hugging Face PEFT's seq2seq
     * prefix-tuning hands each decoder layer the legacy cache {@code (K0, V0, K1, V1)} cut from the rows, of which
     * only the self-attention pair, layer 0's, reaches the model), so the rows' other layers never train.
     */
    @Override
    public AdapterHooks hooks(ForwardContext context) {
        boolean dropout = context.training() && config.dropout() > 0;
        RandomGenerator masks = context.randomSeed().isPresent() ? new SplittableRandom(context.randomSeed().getAsLong()) : dropoutRandom;
        Map<AttentionSite, LayerPrefixes> prefixes = new EnumMap<>(AttentionSite.class);
        for (PrefixEncoder part : parts) {
            LayerPrefixes prefix = LayerPrefixes.fromRows(part.rows(context.manager()), backend.geometry(), part.site(), positionOffset(part));
            prefix = dropout ? withDropout(prefix, context, masks) : prefix;
            if (layerZeroEverywhere) {
                prefix = new LayerPrefixes(prefix.site(), Collections.nCopies(prefix.layers().size(), prefix.layers().get(0)), prefix.positionOffset());
            }
            prefixes.put(part.site(), prefix);
        }
        return new AdapterHooks() {
            @Override
            public Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
                LayerPrefixes prefix = prefixes.get(site);
                return prefix == null || layer >= prefix.layers().size() ? Optional.empty() : Optional.of(prefix.layers().get(layer));
            }

            @Override
            public int positionOffset(Stack stack) {
                LayerPrefixes prefix = prefixes.get(stack == Stack.ENCODER ? AttentionSite.ENCODER_SELF : AttentionSite.DECODER_SELF);
                return prefix == null ? 0 : prefix.positionOffset();
            }
        };
    }

    /** P for a self-attention part with {@code positions=peft}; cross-attention does not number tokens. */
    private int positionOffset(PrefixEncoder part) {
        boolean numbersTokens = part.site() != AttentionSite.DECODER_CROSS;
        return numbersTokens && positions == PrefixConfig.Positions.PEFT ? part.length() : 0;
    }

    /** Inverted dropout as {@code torch.nn.Dropout}: kept entries are scaled by 1 / (1 - p). */
    private LayerPrefixes withDropout(LayerPrefixes prefix, ForwardContext context, RandomGenerator masks) {
        float kept = (float) (1 / (1 - config.dropout()));
        List<KeyValuePrefix> layers = new ArrayList<>();
        for (KeyValuePrefix layer : prefix.layers()) {
            long[] shape = layer.keys().getShape().getShape();
            Shape batched = new Shape(context.batchSize(), shape[1], shape[2], shape[3]);
            layers.add(new KeyValuePrefix(
                    layer.keys().mul(mask(context.manager(), batched, kept, masks)),
                    layer.values().mul(mask(context.manager(), batched, kept, masks))));
        }
        return new LayerPrefixes(prefix.site(), layers, prefix.positionOffset());
    }

    private NDArray mask(NDManager pass, Shape shape, float kept, RandomGenerator masks) {
        float[] mask = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = masks.nextDouble() < config.dropout() ? 0f : kept;
        }
        return pass.create(mask, shape);
    }

    @Override
    public PrefixConfig config() {
        return config;
    }

    /**
     * Writes the prefix with the MLP applied (and dropped) as a Hugging Face PEFT prefix-tuning directory, with
     * {@code base_model_name_or_path} set to the backend's family (e.g. {@code gpt2}), since a backend does not
     * know the name its model was published under. PEFT numbers real tokens from P, so only a decoder-only model's
     * prefix trained with {@code positions=peft} can be exported this way. An encoder-decoder model's prefix is
     * written in peft4j's own layout instead (see {@link #exportEncoderDecoder}).
     */
    @Override
    public void export(Path directory) {
        if (backend.geometry().isEncoderDecoder()) {
            exportEncoderDecoder(directory);
            return;
        }
        if (positions != PrefixConfig.Positions.PEFT) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "A PEFT prefix directory numbers real tokens from P; this prefix was trained with "
                    + PrefixConfig.POSITIONS + "=" + positions.setting() + ", which the format cannot record");
        }
        if (parts.size() != 1) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "A PEFT causal-LM prefix directory holds one decoder self-attention prefix; this adapter has "
                    + sites() + " and cannot be exported to it");
        }
        PrefixEncoder part = parts.get(0);
        try (NDManager scratch = manager.newSubManager()) {
            NDArray rows = part.rows(scratch).stopGradient();
            LayerPrefixes prefix = LayerPrefixes.fromRows(rows, backend.geometry(), part.site(), positionOffset(part));
            PrefixFiles.writePeftDirectory(directory, prefix, backend.geometry(), backend.family());
        }
    }

    /**
     * An encoder-decoder model's prefix in peft4j's own layout (Hugging Face PEFT's seq2seq form is not written):
     * {@code adapter_model.safetensors} holds each part's flat prefix, the MLP applied, under the name it trains
     * under ({@code prefix_module.embedding.weight} for one part, {@code prefix_module.{encoder,decoder,cross}.embedding.weight}
     * for Li &amp; Liang's three), each {@code [P, layers*2*hidden]}; {@code adapter_config.json} says
     * {@code peft4j_method: prefix} with the {@code parts} and {@code positions} that
     * {@link PrefixAdapterProvider#load} recreates the adapter with.
     */
    private void exportEncoderDecoder(Path directory) {
        ModelGeometry geometry = backend.geometry();
        try (NDManager scratch = manager.newSubManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (PrefixEncoder part : parts) {
                tensors.put(part.namePrefix() + PrefixEncoder.EMBEDDING, part.rows(scratch).stopGradient());
            }
            SafetensorsWriter.write(directory.resolve(PrefixFiles.PEFT_WEIGHTS), tensors, Map.of("format", "pt"));
        }
        String sites = String.join(", ", sites().stream().map(site -> "\"" + site.name().toLowerCase(java.util.Locale.ROOT) + "\"").toList());
        String json = "{\n"
                + "  \"" + PrefixAdapterProvider.METHOD_KEY + "\": \"" + PrefixAdapterProvider.NAME + "\",\n"
                + "  \"" + PrefixConfig.PARTS + "\": \"" + config.parts(true).setting() + "\",\n"
                + "  \"" + PrefixConfig.POSITIONS + "\": \"" + positions.setting() + "\",\n"
                + "  \"sites\": [" + sites + "],\n"
                + "  \"num_virtual_tokens\": " + prefixLength() + ",\n"
                + "  \"token_dim\": " + geometry.hiddenSize() + ",\n"
                + "  \"encoder_layers\": " + geometry.layers(Stack.ENCODER) + ",\n"
                + "  \"decoder_layers\": " + geometry.decoderLayers() + ",\n"
                + "  \"num_attention_heads\": " + geometry.heads() + ",\n"
                + "  \"base_model_name_or_path\": \"" + backend.family() + "\"\n"
                + "}\n";
        // Written last, so that an interrupted export is never mistaken for a complete one.
        AtomicFiles.writeString(directory.resolve(PrefixFiles.PEFT_CONFIG), json);
    }

    @Override
    public long exportedParameterCount() {
        return parts.stream().mapToLong(PrefixEncoder::exportedSize).sum();
    }

    /** Frees the parameters (and any gradients attached to them). */
    @Override
    public void close() {
        manager.close();
    }
}
