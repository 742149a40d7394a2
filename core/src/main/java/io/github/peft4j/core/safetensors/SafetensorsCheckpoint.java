package io.github.peft4j.core.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
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
        JsonNode weightMap;
        try {
            weightMap = new ObjectMapper().readTree(index.toFile()).get("weight_map");
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, "Shard index " + index + " is not valid JSON: " + e.getMessage(), e);
        }
        if (weightMap == null || !weightMap.isObject() || weightMap.isEmpty()) {
            throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, "Shard index " + index + " has no \"weight_map\" object");
        }
        Map<String, SafetensorsFile> byShard = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            weightMap.fields().forEachRemaining(entry -> {
                String shard = entry.getValue().asText();
                Path shardPath = directory.resolve(shard).normalize();
                if (!shardPath.startsWith(directory.normalize())) {
                    throw new PeftException(StandardErrorCode.MALFORMED_CHECKPOINT, "Shard index " + index + " names a file outside the model directory: " + shard);
                }
                SafetensorsFile file = byShard.computeIfAbsent(shard, name -> {
                    SafetensorsFile opening = SafetensorsFile.open(shardPath);
                    opened.add(opening);
                    return opening;
                });
                if (!file.contains(entry.getKey())) {
                    throw new PeftException(StandardErrorCode.MISSING_TENSOR, "Shard index " + index + " places tensor '" + entry.getKey()
                            + "' in " + shard + ", which does not contain it");
                }
                byTensor.put(entry.getKey(), file);
            });
        }
        catch (RuntimeException e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
        return new SafetensorsCheckpoint(directory, List.copyOf(opened), byTensor);
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

    public TensorInfo info(String name) {
        return fileFor(name).info(name);
    }

    public NDArray load(String name, NDManager manager) {
        return fileFor(name).load(name, manager);
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
