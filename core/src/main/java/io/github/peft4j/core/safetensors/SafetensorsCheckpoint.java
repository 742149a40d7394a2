package io.github.peft4j.core.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.peft4j.core.io.IoErrors;
import io.github.peft4j.core.io.StrictJson;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The weights of a Hugging Face model directory: {@code model.safetensors}, or the shards listed by
 * {@code model.safetensors.index.json}. Looks tensors up by name across shards.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String SHARD_INDEX = "model.safetensors.index.json";

    private final Path directory;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> fileByTensor;

    private SafetensorsCheckpoint(Path directory, List<SafetensorsFile> files, Map<String, SafetensorsFile> fileByTensor) {
        this.directory = directory;
        this.files = files;
        this.fileByTensor = Collections.unmodifiableMap(fileByTensor);
    }

    /** Opens the weights of {@code modelDirectory}, preferring the single file when both forms exist. */
    public static SafetensorsCheckpoint open(Path modelDirectory) {
        Path single = modelDirectory.resolve(SINGLE_FILE);
        Path index = modelDirectory.resolve(SHARD_INDEX);
        if (Files.isRegularFile(single)) {
            SafetensorsFile file = SafetensorsFile.open(single);
            Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
            file.names().forEach(name -> byTensor.put(name, file));
            return new SafetensorsCheckpoint(modelDirectory, List.of(file), byTensor);
        }
        if (Files.isRegularFile(index)) {
            return openSharded(modelDirectory, index);
        }
        throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "Model directory " + modelDirectory + " has neither " + SINGLE_FILE
                + " nor " + SHARD_INDEX + ". Point --model at a Hugging Face model directory with safetensors weights"
                + " (convert a pytorch_model.bin with transformers' save_pretrained(safe_serialization=True)).");
    }

    private static SafetensorsCheckpoint openSharded(Path directory, Path index) {
        Map<String, String> shardByTensor = readWeightMap(index);
        Map<String, SafetensorsFile> byShard = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        try {
            for (String shard : new LinkedHashSet<>(shardByTensor.values())) {
                Path shardPath = directory.resolve(shard).normalize();
                if (!shardPath.startsWith(directory.normalize())) {
                    throw malformedIndex(index, "it names a file outside the model directory: " + shard);
                }
                if (!Files.isRegularFile(shardPath)) {
                    throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "Shard index " + index + " names the shard " + shard
                            + ", which does not exist in " + directory + ". Copy the missing shard there, or download the model again");
                }
                byShard.put(shard, SafetensorsFile.open(shardPath));
            }
            Map<String, String> shardHolding = new LinkedHashMap<>();
            byShard.forEach((shard, file) -> file.names().forEach(name -> {
                String other = shardHolding.putIfAbsent(name, shard);
                if (other != null) {
                    throw malformedIndex(index, "tensor '" + name + "' is stored in two shards, " + other + " and " + shard
                            + ", so it is unclear which one the model has. Remove it from one of them, or download the model again");
                }
            }));
            shardByTensor.forEach((tensor, shard) -> {
                SafetensorsFile file = byShard.get(shard);
                if (!file.contains(tensor)) {
                    throw new PeftException(StandardErrorCode.MISSING_TENSOR, "Shard index " + index + " places tensor '" + tensor
                            + "' in " + shard + ", which does not contain it" + (shardHolding.containsKey(tensor)
                                    ? " (" + shardHolding.get(tensor) + " does)" : ""));
                }
                byTensor.put(tensor, file);
            });
        }
        catch (RuntimeException e) {
            byShard.values().forEach(SafetensorsFile::close);
            throw e;
        }
        return new SafetensorsCheckpoint(directory, List.copyOf(byShard.values()), byTensor);
    }

    /** The index's {@code weight_map}: tensor name to shard file name, each tensor once. */
    private static Map<String, String> readWeightMap(Path index) {
        JsonNode root;
        try {
            root = StrictJson.readFile(index, problem -> malformedIndex(index, "it " + problem));
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "Cannot read shard index " + index + " (" + IoErrors.describe(e) + ")", e);
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject() || weightMap.isEmpty()) {
            throw malformedIndex(index, "it has no \"weight_map\" object of tensor name to shard file");
        }
        Map<String, String> shardByTensor = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : weightMap.properties()) {
            if (!entry.getValue().isTextual() || entry.getValue().textValue().isEmpty()) {
                throw malformedIndex(index, "its weight_map gives tensor '" + entry.getKey() + "' the shard " + entry.getValue()
                        + ", not a file name");
            }
            shardByTensor.put(entry.getKey(), entry.getValue().textValue());
        }
        return shardByTensor;
    }

    private static PeftException malformedIndex(Path index, String problem) {
        return new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, "Shard index " + index + " is malformed: " + problem);
    }

    public Path directory() {
        return directory;
    }

    /** Every tensor name, in file order. */
    public Set<String> names() {
        return fileByTensor.keySet();
    }

    public boolean contains(String name) {
        return fileByTensor.containsKey(name);
    }

    /**
     * How many distinct {@code i} there are among the tensors named {@code prefix + i + "." + rest}: the layer
     * count of a stack such as {@code h.} (GPT-2) or {@code encoder.layers.} (BART).
     */
    public int countIndexed(String prefix) {
        Set<String> indices = new HashSet<>();
        for (String name : names()) {
            if (name.startsWith(prefix)) {
                int dot = name.indexOf('.', prefix.length());
                String index = dot < 0 ? "" : name.substring(prefix.length(), dot);
                if (!index.isEmpty() && index.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    indices.add(index);
                }
            }
        }
        return indices.size();
    }

    public TensorInfo info(String name) {
        return fileFor(name).info(name);
    }

    public NDArray load(String name, NDManager manager) {
        return fileFor(name).load(name, manager);
    }

    /**
     * Loads a model weight as float32 (whatever its float dtype in the file), named after the tensor, refusing it
     * with {@link StandardErrorCode#MALFORMED_CHECKPOINT} naming the tensor and its file when it holds NaN or
     * infinity.
     */
    public NDArray loadWeight(String name, NDManager manager) {
        SafetensorsFile file = fileFor(name);
        NDArray stored = file.load(name, manager);
        NDArray weight = stored.toType(DataType.FLOAT32, false);
        if (weight != stored) {
            stored.close();
        }
        weight.setName(name);
        try {
            TensorChecks.requireFinite(weight, "Tensor '" + name + "' in " + file.path());
        }
        catch (RuntimeException e) {
            weight.close();
            throw e;
        }
        return weight;
    }

    /**
     * Throws {@link StandardErrorCode#MALFORMED_CHECKPOINT} naming the file when a file whose pages back loaded
     * arrays has changed on disk since it was opened (see {@link SafetensorsFile#requireUnchanged()}). Backends run
     * it before each use of their weights: a truncated file would otherwise abort the JVM (SIGBUS) the moment native
     * code reads a page past its new end.
     */
    public void requireUnchanged() {
        files.forEach(SafetensorsFile::requireUnchanged);
    }

    private SafetensorsFile fileFor(String name) {
        SafetensorsFile file = fileByTensor.get(name);
        if (file == null) {
            throw new PeftException(StandardErrorCode.MISSING_TENSOR, "The checkpoint in " + directory + " has no tensor '" + name + "'");
        }
        return file;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
