package io.github.peft4j.adapter.prefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.format.LayerPrefixes;
import io.github.peft4j.core.format.PrefixFiles;
import io.github.peft4j.core.safetensors.SafetensorsFile;
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
    /**
     * Starting values read from an {@code init-file}.
     *
     * @param values per part (in the order of the parts asked for), by short parameter name
     */
    record FileStart(int length, int mlpWidth, List<Map<String, float[]>> values) {}

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

    /**
     * Reads starting values for the parts named {@code namePrefixes} (at {@code sites}) from a safetensors file of
     * trainable tensors or from a Hugging Face PEFT prefix-tuning directory.
     */
    static FileStart fromFile(Path path, List<AttentionSite> sites, List<String> namePrefixes, ModelGeometry geometry, NDManager scratch) {
        if (Files.isDirectory(path)) {
            return fromPeftDirectory(path, sites, geometry, scratch);
        }
        if (!Files.isRegularFile(path)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, PrefixConfig.INIT_FILE + " " + path + " does not exist");
        }
        List<Map<String, float[]>> values = new ArrayList<>();
        int length = -1;
        int mlpWidth = -1;
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            for (int part = 0; part < sites.size(); part++) {
                String prefix = namePrefixes.get(part);
                String embedding = prefix + PrefixEncoder.EMBEDDING;
                if (!file.contains(embedding)) {
                    throw new PeftException(StandardErrorCode.MISSING_TENSOR, PrefixConfig.INIT_FILE + " " + path + " has no '" + embedding
                            + "'; it must hold a prefix adapter's trainable tensors (" + prefix + "*) or be a PEFT prefix-tuning directory");
                }
                int partLength = Math.toIntExact(file.info(embedding).shape().get(0));
                String hidden = prefix + PrefixEncoder.HIDDEN_WEIGHT;
                int partWidth = file.contains(hidden) ? Math.toIntExact(file.info(hidden).shape().get(0)) : 0;
                if (part > 0 && (partLength != length || partWidth != mlpWidth)) {
                    throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, PrefixConfig.INIT_FILE + " " + path + " holds parts of different shapes ('"
                            + prefix + "*' has P = " + partLength + ", k = " + partWidth + "; the first part P = " + length + ", k = " + mlpWidth + ")");
                }
                length = partLength;
                mlpWidth = partWidth;
                Map<String, float[]> partValues = new LinkedHashMap<>();
                Map<String, Shape> shapes = PrefixEncoder.shapes(length, mlpWidth, geometry.hiddenSize(), PrefixEncoder.rowWidth(geometry, sites.get(part)));
                for (Map.Entry<String, Shape> shape : shapes.entrySet()) {
                    partValues.put(shape.getKey(), load(file, prefix + shape.getKey(), shape.getValue(), scratch));
                }
                values.add(partValues);
            }
        }
        return new FileStart(length, mlpWidth, values);
    }

    private static FileStart fromPeftDirectory(Path directory, List<AttentionSite> sites, ModelGeometry geometry, NDManager scratch) {
        if (!sites.equals(List.of(AttentionSite.DECODER_SELF))) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, PrefixConfig.INIT_FILE + " " + directory
                    + " is a PEFT directory, which holds the prefix of a decoder-only model; this model has attention sites " + sites);
        }
        LayerPrefixes prefix = PrefixFiles.readPeftDirectory(directory, scratch, geometry);
        return new FileStart(prefix.length(), 0, List.of(Map.of(PrefixEncoder.EMBEDDING, prefix.toRows().toFloatArray())));
    }

    private static float[] load(SafetensorsFile file, String name, Shape shape, NDManager scratch) {
        if (!file.contains(name)) {
            throw new PeftException(StandardErrorCode.MISSING_TENSOR, PrefixConfig.INIT_FILE + " " + file.path() + " has no '" + name
                    + "', which a prefix with its embedding's shape needs");
        }
        NDArray tensor = file.load(name, scratch);
        if (!tensor.getShape().equals(shape)) {
            throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "'" + name + "' of " + file.path() + " is " + tensor.getShape()
                    + "; this model needs " + shape);
        }
        if (tensor.getDataType() != DataType.FLOAT32) {
            throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, "'" + name + "' of " + file.path() + " is " + tensor.getDataType()
                    + "; a prefix is floating point");
        }
        return tensor.toFloatArray();
    }
}
