package io.github.peft4j.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.peft4j.core.io.IoErrors;
import io.github.peft4j.core.io.StrictJson;
import io.github.peft4j.core.safetensors.SafetensorsCheckpoint;
import io.github.peft4j.core.safetensors.TensorInfo;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A model directory's {@code config.json}, whose keys are read with their types and ranges checked: a string where
 * a number belongs, {@code 2.5} layers or a key given twice is an error naming the file and the key, never a
 * silent default.
 *
 * <p>A config's sizes also have to agree with the checkpoint: {@link #requireLayerCount} and {@link #requireSize}
 * check them against the tensors' headers ({@link StandardErrorCode#SHAPE_MISMATCH} naming the key and the tensor)
 * before anything is built from them, so that a config that claims 2147483647 layers fails at once instead of
 * planning for them.
 */
public final class ConfigJson {
    public static final String FILE_NAME = "config.json";

    private final Path file;
    private final JsonNode json;

    private ConfigJson(Path file, JsonNode json) {
        this.file = file;
        this.json = json;
    }

    /**
     * Reads {@code config.json} of {@code modelDirectory} and interprets it with {@code reader}; every
     * {@link StandardErrorCode#MALFORMED_CONFIG} the reader throws gets the file's name in front.
     *
     * @throws PeftException {@link StandardErrorCode#FILE_NOT_FOUND} when there is no such file,
     *     {@link StandardErrorCode#MALFORMED_CONFIG} when it is not a JSON object or {@code reader} refuses it
     */
    public static <T> T read(Path modelDirectory, Function<ConfigJson, T> reader) {
        Path file = modelDirectory.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "Model directory " + modelDirectory + " has no " + FILE_NAME
                    + "; point --model at a Hugging Face model directory");
        }
        JsonNode json = readObject(file);
        try {
            return reader.apply(new ConfigJson(file, json));
        }
        catch (PeftException e) {
            if (!e.getErrorCode().equals(StandardErrorCode.MALFORMED_CONFIG.toErrorCode())) {
                throw e;
            }
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A JSON file of a model directory (e.g. {@code generation_config.json}) that must hold one object.
     *
     * @throws PeftException {@link StandardErrorCode#MALFORMED_CONFIG} naming the file when it is not valid JSON (a
     *     key twice included) or not an object; {@link StandardErrorCode#FILE_NOT_FOUND} when it cannot be read
     */
    public static JsonNode readObject(Path file) {
        JsonNode json;
        try {
            json = StrictJson.readFile(file, problem -> new PeftException(StandardErrorCode.MALFORMED_CONFIG, file + " " + problem));
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "Cannot read " + file + " (" + IoErrors.describe(e) + ")", e);
        }
        if (json == null || !json.isObject()) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, file + " must hold a JSON object");
        }
        return json;
    }

    /** The JSON object, for keys this class has no reader for. */
    public JsonNode json() {
        return json;
    }

    /** Refuses the file unless {@code model_type} is absent or {@code expected}. */
    public void requireModelType(String expected) {
        String modelType = text("model_type", expected);
        if (!modelType.equals(expected)) {
            throw invalid("model_type is '" + modelType + "', not '" + expected + "'");
        }
    }

    /** A required count or size: an integer from 1 to 2147483647. */
    public int size(String key) {
        return optionalSize(key).orElseThrow(() -> invalid("the key \"" + key + "\" is missing"));
    }

    /** An optional count or size (absent or null: empty). */
    public OptionalInt optionalSize(String key) {
        JsonNode value = json.get(key);
        if (value == null || value.isNull()) {
            return OptionalInt.empty();
        }
        if (!value.isIntegralNumber()) {
            throw invalid("\"" + key + "\" must be an integer, got " + value);
        }
        if (!value.canConvertToInt() || value.intValue() < 1) {
            throw invalid("\"" + key + "\" is " + value + "; it must be a positive integer of at most " + Integer.MAX_VALUE);
        }
        return OptionalInt.of(value.intValue());
    }

    /** A token id: an integer {@code >= 0}, or {@code fallback} when absent or null. */
    public long tokenId(String key, long fallback) {
        return tokenId(json, key, fallback);
    }

    /** {@link #tokenId(String, long)} of any JSON object, e.g. one of two files read with {@link #readObject}. */
    public static long tokenId(JsonNode json, String key, long fallback) {
        return optional(json, key, fallback, value -> value.isIntegralNumber() && value.canConvertToLong() && value.longValue() >= 0,
                "a token id (an integer >= 0)", JsonNode::longValue);
    }

    public boolean bool(String key, boolean fallback) {
        return optional(json, key, fallback, JsonNode::isBoolean, "true or false", JsonNode::booleanValue);
    }

    public String text(String key, String fallback) {
        return optional(json, key, fallback, JsonNode::isTextual, "a string", JsonNode::textValue);
    }

    /** A positive finite number, e.g. an epsilon. */
    public double positiveNumber(String key, double fallback) {
        return optional(json, key, fallback, value -> value.isNumber() && value.doubleValue() > 0 && Double.isFinite(value.doubleValue()),
                "a positive number", JsonNode::doubleValue);
    }

    /** The value of {@code key} read by {@code read}, {@code fallback} when absent or null, an error unless {@code valid}. */
    private static <T> T optional(JsonNode json, String key, T fallback, Predicate<JsonNode> valid, String expected, Function<JsonNode, T> read) {
        JsonNode value = json.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!valid.test(value)) {
            throw invalid("\"" + key + "\" must be " + expected + ", got " + value);
        }
        return read.apply(value);
    }

    /** A {@link StandardErrorCode#MALFORMED_CONFIG} error; {@link #read} puts the file's name in front. */
    public static PeftException invalid(String problem) {
        return new PeftException(StandardErrorCode.MALFORMED_CONFIG, problem);
    }

    /**
     * Refuses a layer count that differs from the layers the checkpoint holds, i.e. the distinct {@code i} of its
     * tensors named {@code layerPrefix + i + "."}. Costs a pass over the tensor names, whatever {@code configured} says.
     */
    public static void requireLayerCount(SafetensorsCheckpoint checkpoint, String key, int configured, String layerPrefix) {
        int stored = checkpoint.countIndexed(layerPrefix);
        if (stored != configured) {
            throw disagreement(checkpoint, "\"" + key + "\" is " + configured + " but the checkpoint holds " + stored + " layers ("
                    + (stored == 0 ? "no tensor named " + layerPrefix + "{i}.*" : "tensors " + layerPrefix + "{i}.* for " + stored + " distinct i") + ")");
        }
    }

    /**
     * Refuses a size that differs from axis {@code axis} of tensor {@code tensor} minus {@code offset} (e.g. BART's
     * position table has 2 rows more than {@code max_position_embeddings}). A missing tensor or axis is left to the
     * per-tensor checks, which name it.
     */
    public static void requireSize(SafetensorsCheckpoint checkpoint, String key, int configured, String tensor, int axis, long offset) {
        if (!checkpoint.contains(tensor)) {
            return;
        }
        TensorInfo info = checkpoint.info(tensor);
        if (axis >= info.shape().dimension()) {
            return;
        }
        long stored = info.shape().get(axis) - offset;
        if (stored != configured) {
            throw disagreement(checkpoint, "\"" + key + "\" is " + configured + " but tensor '" + tensor + "' has shape " + info.shape()
                    + ", which means " + stored);
        }
    }

    private static PeftException disagreement(SafetensorsCheckpoint checkpoint, String problem) {
        return new PeftException(StandardErrorCode.SHAPE_MISMATCH, checkpoint.directory().resolve(FILE_NAME) + " does not describe the"
                + " weights next to it: " + problem + ". Use the config.json that came with these weights");
    }
}
