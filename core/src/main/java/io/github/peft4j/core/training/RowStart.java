package io.github.peft4j.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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

    /** Flat rows {@code [N, W]} read from a directory; {@code name} is the tensor's name there. */
    public static RowStart ofRows(NDArray rows, Path path, String name, Wording wording) {
        return new RowStart(Math.toIntExact(rows.getShape().get(0)), 0, Map.of(RowEncoder.EMBEDDING, floats(rows, path, name, wording)));
    }

    /**
     * Reads the safetensors file {@code path} of trainable tensors named {@code namePrefix} + short name, checking
     * that all the tensors an encoder with its N and k needs are there, of {@link RowEncoder#shapes} for this model.
     *
     * @param hidden d, the MLP's input width
     * @param width W, the width of a row
     */
    public static RowStart fromSafetensors(Path path, String namePrefix, int hidden, int width, Wording wording, NDManager scratch) {
        if (!Files.isRegularFile(path)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, wording.key() + " " + path + " does not exist");
        }
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            String embedding = namePrefix + RowEncoder.EMBEDDING;
            if (!file.contains(embedding)) {
                throw new PeftException(StandardErrorCode.MISSING_TENSOR, wording.key() + " " + path + " has no '" + embedding
                        + "'; it must hold " + wording.adapter() + "'s trainable tensors (" + namePrefix + "*) or be " + wording.directory());
            }
            int length = Math.toIntExact(file.info(embedding).shape().get(0));
            String hiddenWeight = namePrefix + RowEncoder.HIDDEN_WEIGHT;
            int mlpWidth = file.contains(hiddenWeight) ? Math.toIntExact(file.info(hiddenWeight).shape().get(0)) : 0;
            Map<String, float[]> values = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> shape : RowEncoder.shapes(length, mlpWidth, hidden, width).entrySet()) {
                String name = namePrefix + shape.getKey();
                if (!file.contains(name)) {
                    throw new PeftException(StandardErrorCode.MISSING_TENSOR, wording.key() + " " + path + " has no '" + name
                            + "', which " + wording.rows() + " with its '" + embedding + "' " + (wording.plural() ? "need" : "needs"));
                }
                NDArray tensor = file.load(name, scratch);
                if (!tensor.getShape().equals(shape.getValue())) {
                    throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, "'" + name + "' of " + path + " is " + tensor.getShape()
                            + "; this model needs " + shape.getValue());
                }
                values.put(shape.getKey(), floats(tensor, path, name, wording));
            }
            return new RowStart(length, mlpWidth, values);
        }
    }

    /** The values of {@code tensor}, which must be float32; {@code name} and {@code path} are for the message. */
    public static float[] floats(NDArray tensor, Path path, String name, Wording wording) {
        if (tensor.getDataType() != DataType.FLOAT32) {
            throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, "'" + name + "' of " + path + " is " + tensor.getDataType()
                    + "; " + wording.rows() + (wording.plural() ? " are" : " is") + " floating point");
        }
        return tensor.toFloatArray();
    }
}
