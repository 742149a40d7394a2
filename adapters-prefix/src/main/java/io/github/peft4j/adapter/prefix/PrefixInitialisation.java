package io.github.peft4j.adapter.prefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.format.LayerPrefixes;
import io.github.peft4j.core.format.PrefixFiles;
import io.github.peft4j.core.training.RowStart;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.spi.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/** Where a new adapter's parameter values come from: random, saved tensors, or real words' activations. */
final class PrefixInitialisation {
    private PrefixInitialisation() {}

    /**
     * PyTorch's default initialisation of the modules of Hugging Face PEFT's {@code PrefixEncoder}
     * (peft/tuners/prefix_tuning/model.py, which leaves its modules as torch creates them unless
     * {@code init_weights="zero"}): {@code torch.nn.Embedding} draws N(0, 1), both for the MLP's input embedding
     * {@code [P, d]} and for the flat prefix {@code [P, L*2*d]}; {@code torch.nn.Linear} draws its weight from
     * kaiming_uniform(a = sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)), and its bias from the same bound.
     */
    static Map<String, float[]> random(Map<String, Shape> shapes, RandomGenerator random) {
        Map<String, float[]> values = new LinkedHashMap<>();
        shapes.forEach((name, shape) -> {
            float[] value = new float[Math.toIntExact(shape.size())];
            if (name.equals(PrefixEncoder.EMBEDDING)) {
                for (int i = 0; i < value.length; i++) {
                    value[i] = (float) random.nextGaussian();
                }
            }
            else {
                boolean hiddenLayer = name.equals(PrefixEncoder.HIDDEN_WEIGHT) || name.equals(PrefixEncoder.HIDDEN_BIAS);
                long fanIn = shapes.get(hiddenLayer ? PrefixEncoder.HIDDEN_WEIGHT : PrefixEncoder.OUTPUT_WEIGHT).get(1);
                double bound = 1 / Math.sqrt(fanIn);
                for (int i = 0; i < value.length; i++) {
                    value[i] = (float) random.nextDouble(-bound, bound);
                }
            }
            values.put(name, value);
        });
        return values;
    }

    /** The words' token ids: {@code init-ids}, or {@code init-text} encoded with the model's tokenizer. */
    static long[] wordIds(PrefixConfig config, ModelBackend backend) {
        long[] ids;
        if (config.initText().isPresent()) {
            TextTokenizer tokenizer = backend.tokenizer().orElseThrow(() -> new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                    PrefixConfig.INIT_TEXT + " needs the model's tokenizer, but this " + backend.family()
                            + " model directory has no tokenizer files; give " + PrefixConfig.INIT_IDS + " instead"));
            ids = tokenizer.encode(config.initText().get());
            if (ids.length == 0) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, PrefixConfig.INIT_TEXT + " '" + config.initText().get() + "' encodes to no tokens");
            }
        }
        else {
            ids = config.initIds().stream().mapToLong(Long::longValue).toArray();
        }
        int vocabulary = backend.geometry().vocabSize();
        for (long id : ids) {
            if (id >= vocabulary) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, PrefixConfig.INIT_IDS + " holds token id " + id
                        + ", outside the model's vocabulary [0, " + vocabulary + ")");
            }
        }
        return ids;
    }

    /**
     * The rows {@code [T, L*2*d]} of the keys and values that {@code site} computes for the words {@code ids}
     * (positions 0..T-1): a prefix of exactly these makes the model behave as if the words came first, when real
     * tokens are then numbered from T.
     */
    static float[] wordRows(ModelBackend backend, long[] ids, AttentionSite site, NDManager scratch) {
        NDArray tokens = scratch.create(ids, new Shape(1, ids.length));
        return new LayerPrefixes(site, backend.keyValues(tokens, site), 0).toRows().toFloatArray();
    }

    /** How messages about an {@code init-file} name things. */
    private static final RowStart.Wording FILE_WORDING = new RowStart.Wording(PrefixConfig.INIT_FILE, "a prefix adapter", "a PEFT prefix-tuning directory",
            "a prefix", false);

    /**
     * Reads starting values for the parts named {@code namePrefixes} (at {@code sites}) from a safetensors file of
     * trainable tensors or from a Hugging Face PEFT prefix-tuning directory: one start per part, all of one P and k.
     */
    static List<RowStart> fromFile(Path path, List<AttentionSite> sites, List<String> namePrefixes, ModelGeometry geometry, NDManager scratch) {
        if (Files.isDirectory(path)) {
            return List.of(fromPeftDirectory(path, sites, geometry, scratch));
        }
        List<RowStart> starts = new ArrayList<>();
        for (int part = 0; part < sites.size(); part++) {
            String prefix = namePrefixes.get(part);
            RowStart start = RowStart.fromSafetensors(path, prefix, geometry.hiddenSize(), PrefixEncoder.rowWidth(geometry, sites.get(part)), FILE_WORDING,
                    scratch);
            RowStart first = starts.isEmpty() ? start : starts.get(0);
            if (start.length() != first.length() || start.mlpWidth() != first.mlpWidth()) {
                throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, PrefixConfig.INIT_FILE + " " + path + " holds parts of different shapes ('"
                        + prefix + "*' has P = " + start.length() + ", k = " + start.mlpWidth() + "; the first part P = " + first.length() + ", k = "
                        + first.mlpWidth() + ")");
            }
            starts.add(start);
        }
        return starts;
    }

    private static RowStart fromPeftDirectory(Path directory, List<AttentionSite> sites, ModelGeometry geometry, NDManager scratch) {
        if (!sites.equals(List.of(AttentionSite.DECODER_SELF))) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, PrefixConfig.INIT_FILE + " " + directory
                    + " is a PEFT directory, which holds the prefix of a decoder-only model; this model has attention sites " + sites);
        }
        return RowStart.ofRows(PrefixFiles.readPeftDirectory(directory, scratch, geometry).toRows());
    }
}
