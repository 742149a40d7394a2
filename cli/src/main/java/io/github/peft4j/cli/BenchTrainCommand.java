package io.github.peft4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.inject.Inject;
import io.github.peft4j.core.inject.PluginRegistry;
import io.github.peft4j.core.training.StepMetrics;
import io.github.peft4j.core.training.Trainer;
import io.github.peft4j.core.training.TrainingConfig;
import io.github.peft4j.core.training.TrainingExample;
import io.github.peft4j.core.training.TrainingListener;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.ParameterEfficientAdapter;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peft4j bench train}: the speed and memory of prefix-tuning steps through the real training engine
 * ({@link Trainer}: AdamW, clipping, a sub-manager per step), on random token batches whose first {@code --source}
 * tokens are the source (no loss) as in table-to-text. Prints one JSON object whose keys match
 * {@code bench/pytorch_prefix_train.py}, the PyTorch eager baseline that {@code bench/compare-train} runs beside it.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Time prefix-tuning steps of the training engine and print JSON: step time (median and spread), tokens/s, peak",
                "resident memory, trainable parameters, achieved GFLOP/s and a GEMM timed in the same process as the practical peak.",
                "Without --model it trains on a random checkpoint of --preset (GPT-2 small by default). bench/compare-train runs",
                "the PyTorch eager baseline beside it and prints the ratio."})
final class BenchTrainCommand implements Callable<Integer> {
    private final PluginRegistry registry;
    private final ModelLoader loader;

    @Spec
    CommandSpec spec;

    @Mixin
    BenchModel.Options target;

    @Option(names = "--batch", defaultValue = "5", description = "Rows per step. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--sequence", defaultValue = "64", description = "Tokens per row. Default: ${DEFAULT-VALUE}.")
    int sequence;

    @Option(names = "--source", defaultValue = "32", description = "Leading tokens of each row that are source (no loss). Default: ${DEFAULT-VALUE}.")
    int source;

    @Option(names = "--prefix", defaultValue = "10", description = "Prefix length. Default: ${DEFAULT-VALUE}.")
    int prefixLength;

    @Option(names = "--mlp", defaultValue = "512", description = "Width of the prefix's reparameterisation MLP; 0 = a flat prefix. Default: ${DEFAULT-VALUE}.")
    int mlpWidth;

    @Option(names = "--warmup", defaultValue = "3", description = "Steps run before timing starts. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--steps", defaultValue = "10", description = "Timed steps. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--profile", paramLabel = "FILE", description = {"Record PyTorch's operator profile of the timed steps into FILE (a Chrome",
            "trace for chrome://tracing or ui.perfetto.dev) and add each operator's self time per step to the JSON. The step",
            "times then include the profiler's overhead."})
    Path profile;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the random batches and prefix. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Inject
    BenchTrainCommand(PluginRegistry registry, ModelLoader loader) {
        this.registry = registry;
        this.loader = loader;
    }

    @Override
    public Integer call() {
        validate();
        PrintWriter err = spec.commandLine().getErr();
        try (BenchModel checkpoint = target.open(); NDManager manager = NDManager.newBaseManager();
                ModelBackend backend = checkpoint.loadDecoderOnly(loader, manager, target.frozen.precision(), "bench train")) {
            ModelGeometry geometry = backend.geometry();
            if (prefixLength + sequence > geometry.maxPositions()) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "--prefix + --sequence (" + (prefixLength + sequence)
                        + ") exceed the model's " + geometry.maxPositions() + " positions");
            }
            err.println("bench train: timing the GEMM peak, then " + warmup + " warm-up and " + steps + " timed steps of " + batch + " x " + sequence + " tokens");
            long residentAfterLoad = ProcessMemory.now().residentBytes();
            double gemmBefore = BenchFigures.gemmGflops(manager, 1024, 1024, 1024, 10);
            Map<String, String> settings = mlpWidth > 0 ? Map.of("length", Integer.toString(prefixLength), "mlp-width", Integer.toString(mlpWidth))
                    : Map.of("length", Integer.toString(prefixLength));
            try (ParameterEfficientAdapter prefix = registry.adapter("prefix").create(settings, new AdapterContext(backend, manager, seed))) {
                StepRecorder recorder = new StepRecorder(err);
                TrainingConfig config = new TrainingConfig(5e-5, TrainingConfig.Schedule.CONSTANT, 0, 1, OptionalLong.of(warmup + steps), batch, 1, 1.0, 0,
                        false, seed, 0, 0);
                if (profile != null && warmup == 0) {
                    TorchProfile.start();
                }
                new Trainer(backend, Trainer.Trainable.of(prefix), config, 0, List.of(recorder))
                        .train(examples(geometry.vocabSize()), List.of(), Optional.empty(), 0, directory -> { });
                ObjectNode operators = profile == null ? null : TorchProfile.stop(profile, steps);
                // The peak is timed on both sides of the steps: another process on a shared machine slows one of them.
                double gemmAfter = BenchFigures.gemmGflops(manager, 1024, 1024, 1024, 10);
                ObjectNode report = report(geometry, backend, recorder, Math.max(gemmBefore, gemmAfter), residentAfterLoad);
                report.put("trainable_parameters", prefix.trainableParameters().values().stream().mapToLong(NDArray::size).sum());
                report.put("exported_parameters", prefix.exportedParameterCount());
                report.put("gemm_peak_gflops_before_steps", gemmBefore);
                report.put("gemm_peak_gflops_after_steps", gemmAfter);
                // What --frozen-precision bf16 gains on the same product.
                report.put("gemm_bf16_gflops", BenchFigures.bf16LinearGflops(manager, 1024, 1024, 1024, 10));
                if (operators != null) {
                    report.set("profile", operators);
                }
                spec.commandLine().getOut().println(report.toPrettyString());
            }
        }
        return 0;
    }

    private ObjectNode report(ModelGeometry geometry, ModelBackend backend, StepRecorder recorder, double gemmPeak, long residentAfterLoad) {
        double[] seconds = recorder.timed.stream().mapToDouble(StepMetrics::seconds).toArray();
        double median = BenchFigures.median(seconds);
        double gflop = stepFlops(geometry, backend) / 1e9;
        ProcessMemory memory = ProcessMemory.now();
        ObjectNode report = BenchFigures.report("train", geometry, target.threads);
        ObjectNode workload = (ObjectNode) report.get("workload");
        workload.put("batch", batch);
        workload.put("sequence", sequence);
        workload.put("source", source);
        workload.put("prefix", prefixLength);
        workload.put("mlp", mlpWidth);
        workload.put("frozen_precision", target.frozen.precision().optionValue());
        report.put("warmup", warmup);
        report.put("steps", steps);
        report.set("step_seconds", BenchFigures.spread(seconds));
        report.put("tokens_per_second", (double) batch * sequence / median);
        // VmHWM can lag a VmRSS read earlier: Linux keeps per-thread RSS counts that it folds in every 64 page faults.
        // The true peak is at least every reading taken, so it is the largest of them all.
        long peak = LongStream.concat(LongStream.of(memory.peakResidentBytes(), memory.residentBytes(), residentAfterLoad, recorder.residentAfterWarmup),
                recorder.residentSamples.values().stream().mapToLong(Long::longValue)).max().orElseThrow();
        report.put("peak_rss_bytes", peak);
        report.put("rss_after_load_bytes", residentAfterLoad);
        report.put("rss_after_warmup_bytes", recorder.residentAfterWarmup);
        report.put("rss_at_end_bytes", memory.residentBytes());
        ArrayNode samples = report.putArray("rss_samples");
        recorder.residentSamples.forEach((step, bytes) -> samples.addArray().add(step).add(bytes));
        report.put("gflop_per_step", gflop);
        report.put("achieved_gflops", gflop / median);
        report.put("gemm_peak_gflops", gemmPeak);
        report.put("fraction_of_peak", gflop / median / gemmPeak);
        report.put("loss_first_timed_step", recorder.timed.get(0).loss());
        report.put("loss_last_step", recorder.timed.get(recorder.timed.size() - 1).loss());
        return report;
    }

    /**
     * Multiply-add FLOPs (2 per multiply-add) of the matrix products one step does, counting only work peft4j does:
     * per token, each block weight matrix once forward and once backward (the input's gradient; frozen weights get
     * none), except layer 0's query/key/value projection backward (its input needs no gradient) and the last MLP,
     * which runs on the positions that predict a label only; attention scores and context over prefix + sequence
     * (forward once, backward twice); the LM head on the positions that predict a label (forward and the hidden
     * states' gradient); the prefix MLP (forward, and backward for inputs and weights).
     */
    private double stepFlops(ModelGeometry geometry, ModelBackend backend) {
        double d = geometry.hiddenSize();
        double layers = geometry.decoderLayers();
        String lastMlp = "h." + (geometry.decoderLayers() - 1) + ".mlp.";
        double blockWeights = 0;
        double firstQkv = 0;
        double lastMlpWeights = 0;
        for (Map.Entry<String, NDArray> parameter : backend.baseParameters().entrySet()) {
            String name = parameter.getKey();
            long size = parameter.getValue().size();
            if (parameter.getValue().getShape().dimension() == 2 && !name.contains("wte") && !name.contains("wpe")) {
                blockWeights += size;
                firstQkv += name.matches("(.*\\.)?h\\.0\\.attn\\.c_attn\\.weight") ? size : 0;
                lastMlpWeights += name.startsWith(lastMlp) || name.contains("." + lastMlp) ? size : 0;
            }
        }
        double tokens = (double) batch * sequence;
        double labelled = (double) batch * (sequence - source);
        double blocks = 2 * tokens * blockWeights * 2 - 2 * tokens * firstQkv - 2 * (tokens - labelled) * lastMlpWeights * 2;
        double attention = 3 * layers * 2 * 2 * batch * sequence * (double) (prefixLength + sequence) * d;
        double head = 2 * 2 * labelled * d * geometry.vocabSize();
        double mlp = mlpWidth > 0 ? 3 * 2 * prefixLength * (d * mlpWidth + mlpWidth * 2 * layers * d) : 0;
        return blocks + attention + head + mlp;
    }

    /** Keeps the timed steps and samples resident memory about 20 times over the run, to show it stays flat. */
    private final class StepRecorder implements TrainingListener {
        private final PrintWriter err;
        private final long sampleEvery = Math.max(1, (warmup + steps) / 20);
        final List<StepMetrics> timed = new ArrayList<>();
        final Map<Long, Long> residentSamples = new TreeMap<>();
        long residentAfterWarmup = -1;

        StepRecorder(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void onStep(StepMetrics step) {
            if (step.step() == Math.max(1, warmup)) {
                residentAfterWarmup = ProcessMemory.now().residentBytes();
            }
            if (profile != null && step.step() == warmup) {
                TorchProfile.start();
            }
            if (step.step() > warmup) {
                timed.add(step);
            }
            if (step.step() % sampleEvery == 0 || step.step() == step.totalSteps()) {
                residentSamples.put(step.step(), ProcessMemory.now().residentBytes());
            }
            if (step.step() % 100 == 0) {
                err.printf(Locale.ROOT, "step %d/%d  %.3f s%n", step.step(), step.totalSteps(), step.seconds());
            }
        }
    }

    private List<TrainingExample> examples(int vocab) {
        Random random = new Random(seed);
        List<TrainingExample> rows = new ArrayList<>();
        for (int i = 0; i < batch * (warmup + steps); i++) {
            rows.add(new TrainingExample(random.longs(source, 0, vocab).toArray(), random.longs(sequence - source, 0, vocab).toArray()));
        }
        return rows;
    }

    private void validate() {
        require(batch > 0 && steps > 0 && warmup >= 0 && prefixLength > 0 && mlpWidth >= 0,
                "--batch, --steps and --prefix must be positive, --warmup and --mlp at least 0");
        require(source >= 1 && source < sequence, "--source must be at least 1 and below --sequence (" + sequence + "): rows need a target to learn");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, message);
        }
    }
}
