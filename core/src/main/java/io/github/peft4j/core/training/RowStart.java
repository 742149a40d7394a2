package io.github.peft4j.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.core.adapter.AdapterSizes;
import io.github.peft4j.core.adapter.Settings;
import io.github.peft4j.core.format.AdapterTensors;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Starting values of a {@link RowEncoder}, read from a file the user gave (an adapter's {@code init-file}): either
 * flat rows (an exported adapter directory, read by the adapter) or a safetensors file of the encoder's trainable
 * tensors under their full names, whose shapes must fit the model.
 *
 * @param length N, the number of rows
 * @param mlpWidth k; 0 when the file holds the rows directly
 * @param values the tensors' values by short parameter name ({@link RowEncoder#EMBEDDING}, ...)
 */
public record RowStart(int length, int mlpWidth, Map<String, float[]> values) {
    /**
     * How messages about a starting file name things.
     *
     * @param key the setting that gave the file, e.g. {@code init-file}
     * @param adapter whose trainable tensors the file must hold, e.g. {@code an infix adapter}
     * @param directory the other kind of file accepted, e.g. {@code an exported infix directory}
     * @param rows what the rows are, e.g. {@code an infix} or {@code embeddings}
     * @param plural whether {@code rows} takes a plural verb
     */
    public record Wording(String key, String adapter, String directory, String rows, boolean plural) {}

    /** Flat rows {@code [N, W]}, float32, as an adapter directory's reader returns them. */
    public static RowStart ofRows(NDArray rows) {
        return new RowStart(Math.toIntExact(rows.getShape().get(0)), 0, Map.of(RowEncoder.EMBEDDING, rows.toFloatArray()));
    }

    /**
     * Reads the safetensors file {@code path} of trainable tensors named {@code namePrefix} + short name, checking
     * that all the tensors an encoder with its N and k needs are there, of {@link RowEncoder#shapes} for this model,
     * finite and floating point. Every header is checked before the tensor's values are read.
     *
     * @param hidden d, the MLP's input width
     * @param width W, the width of a row
     */
    public static RowStart fromSafetensors(Path path, String namePrefix, int hidden, int width, Wording wording, NDManager scratch) {
        String file = Settings.shown(wording.key()) + " " + path;
        if (!Files.isRegularFile(path)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, file + " does not exist");
        }
        try (SafetensorsFile tensors = SafetensorsFile.open(path)) {
            String embedding = namePrefix + RowEncoder.EMBEDDING;
            if (!tensors.contains(embedding)) {
                throw new PeftException(StandardErrorCode.MISSING_TENSOR, file + " has no '" + embedding + "'; it must hold " + wording.adapter()
                        + "'s trainable tensors (" + namePrefix + "*) or be " + wording.directory());
            }
            String hiddenWeight = namePrefix + RowEncoder.HIDDEN_WEIGHT;
            boolean mlp = tensors.contains(hiddenWeight);
            long[] embeddingDims = AdapterTensors.dims(tensors, embedding, "[N, " + (mlp ? hidden : width) + "]", 2);
            int length = AdapterTensors.count(tensors, embedding, embeddingDims, 0, "rows (virtual tokens)");
            int mlpWidth = mlp ? AdapterTensors.count(tensors, hiddenWeight, AdapterTensors.dims(tensors, hiddenWeight, "[k, " + hidden + "]", 2), 0,
                    "MLP units k") : 0;
            Map<String, float[]> values = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> shape : RowEncoder.shapes(length, mlpWidth, hidden, width).entrySet()) {
                String name = namePrefix + shape.getKey();
                if (!tensors.contains(name)) {
                    throw new PeftException(StandardErrorCode.MISSING_TENSOR, file + " has no '" + name + "', which " + wording.rows() + " with its '"
                            + embedding + "' " + (wording.plural() ? "need" : "needs"));
                }
                try (NDArray tensor = AdapterTensors.loadFloat32(tensors, name, shape.getValue(), scratch)) {
                    values.put(shape.getKey(), tensor.toFloatArray());
                }
            }
            return new RowStart(length, mlpWidth, values);
        }
    }

    /** The number of rows of this start, as messages name it: what {@code file}, given as setting {@code key}, holds. */
    public AdapterSizes.Source lengthSource(String key, Path file) {
        return new AdapterSizes.Source(length, "the " + length + " virtual tokens of " + Settings.shown(key) + " " + file, "give another " + Settings.shown(key));
    }

    /** The MLP width of this start, as messages name it (after {@link #lengthSource}). */
    public AdapterSizes.Source mlpWidthSource(String key) {
        return new AdapterSizes.Source(mlpWidth, "its MLP of width " + mlpWidth, "give another " + Settings.shown(key));
    }
}
