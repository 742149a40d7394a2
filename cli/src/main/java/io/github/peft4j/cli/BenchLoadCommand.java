package io.github.peft4j.cli;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.inject.Inject;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peft4j bench load}: how long loading a checkpoint takes and what it costs in resident memory, for
 * peft4j's memory-mapped loader and for the baseline DJL offers ({@code NDList.decode} of the whole file). Each
 * runs in a fresh child JVM, so that one's memory does not hide the other's.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = {"Time loading a model directory and measure resident memory, against DJL's NDList.decode of the same file,",
                "each in a fresh JVM. Prints JSON. Create the GPT-2-small-shaped checkpoint with",
                "'peft4j init-model --arch gpt2 --preset gpt2 --seed 1 --out DIR'."})
final class BenchLoadCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelLoader loader;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model directory with a single model.safetensors.")
    Path model;

    @Option(names = "--repeat", defaultValue = "5", description = "Loads per implementation; the median is reported. Default: ${DEFAULT-VALUE}.")
    int repeat;

    @Option(names = "--only", hidden = true, description = "Internal: measure one implementation in this JVM (peft4j or djl-decode).")
    String only;

    @Inject
    BenchLoadCommand(ModelLoader loader) {
        this.loader = loader;
    }

    @Override
    public Integer call() throws Exception {
        if (repeat < 1) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "--repeat must be at least 1");
        }
        Path weights = model.resolve("model.safetensors");
        if (!Files.isRegularFile(weights)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, model + " has no model.safetensors (the baseline reads one file)");
        }
        if (only != null) {
            spec.commandLine().getOut().println(measure(only, weights));
            return 0;
        }
        JsonNode ours = JSON.readTree(measureInChild("peft4j"));
        JsonNode baseline = JSON.readTree(measureInChild("djl-decode"));
        ObjectNode report = JSON.createObjectNode();
        report.put("benchmark", "load");
        report.put("model", model.toString());
        report.put("checkpoint_bytes", Files.size(weights));
        report.set("peft4j", ours);
        report.set("baseline_djl_ndlist_decode", baseline);
        report.put("load_time_ratio_peft4j_over_baseline", ours.get("load_ms_median").asDouble() / baseline.get("load_ms_median").asDouble());
        // Mapped weights are read on first use: compare ours once a forward pass has touched every weight.
        report.put("resident_ratio_peft4j_after_forward_over_baseline_after_load",
                ours.get("resident_after_first_forward_bytes").asDouble() / baseline.get("resident_after_load_bytes").asDouble());
        spec.commandLine().getOut().println(report.toPrettyString());
        return 0;
    }

    private String measure(String implementation, Path weights) throws IOException {
        ProcessMemory start = ProcessMemory.now();
        List<Double> millis = new ArrayList<>();
        ProcessMemory afterLoad = null;
        ProcessMemory afterForward = null;
        for (int i = 0; i < repeat; i++) {
            try (NDManager manager = NDManager.newBaseManager()) {
                long begin = System.nanoTime();
                if (implementation.equals("peft4j")) {
                    ModelBackend backend = loader.load(model, manager);
                    millis.add((System.nanoTime() - begin) / 1e6);
                    afterLoad = afterLoad == null ? ProcessMemory.now() : afterLoad;
                    try (NDManager pass = manager.newSubManager()) {
                        backend.forward(ForwardInput.of(pass.create(new long[][] {{1, 2, 3, 4, 5, 6, 7, 8}})), AdapterHooks.NONE);
                    }
                    afterForward = afterForward == null ? ProcessMemory.now() : afterForward;
                    backend.close();
                }
                else if (implementation.equals("djl-decode")) {
                    NDList arrays = NDList.decode(manager, Files.readAllBytes(weights));
                    millis.add((System.nanoTime() - begin) / 1e6);
                    afterLoad = afterLoad == null ? ProcessMemory.now() : afterLoad;
                    arrays.close();
                }
                else {
                    throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Unknown implementation " + implementation);
                }
            }
        }
        double[] sorted = millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        ObjectNode result = JSON.createObjectNode();
        result.put("load_ms_median", sorted[sorted.length / 2]);
        result.put("load_ms_min", sorted[0]);
        result.put("load_ms_max", sorted[sorted.length - 1]);
        result.put("loads", repeat);
        result.put("resident_before_bytes", start.residentBytes());
        result.put("resident_after_load_bytes", afterLoad.residentBytes());
        if (afterForward != null) {
            result.put("resident_after_first_forward_bytes", afterForward.residentBytes());
        }
        result.put("peak_resident_bytes", ProcessMemory.now().peakResidentBytes());
        result.put("first_load_ms", millis.get(0));
        result.put("load_ms_all", Arrays.toString(millis.stream().mapToLong(Math::round).toArray()));
        return result.toString();
    }

    /** This command for one implementation, in a fresh JVM. */
    private String measureInChild(String implementation) {
        return ChildJvm.run("The " + implementation + " measurement", "bench", "load", "--model", model.toString(), "--repeat", Integer.toString(repeat),
                "--only", implementation);
    }
}
