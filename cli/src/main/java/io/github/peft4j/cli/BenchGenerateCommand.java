package io.github.peft4j.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.inject.Inject;
import io.github.peft4j.core.generation.GenerationConfig;
import io.github.peft4j.core.generation.MixedAdapters;
import io.github.peft4j.core.inject.PluginRegistry;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.ParameterEfficientAdapter;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peft4j bench generate}: what serving a batch whose rows use different prefixes costs against one whose rows
 * share one. Both decode the same random prompts with beam search through {@link MixedAdapters}, interleaved, so
 * that a machine that slows down during the run slows both alike.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Time beam search over a batch whose rows share one prefix against the same batch whose rows each use a prefix of",
                "their own, interleaved, and print JSON: seconds (median and spread), tokens/s, peak resident memory of each, their",
                "throughput ratio and a GEMM timed in the same process as the practical peak. Without --model it decodes with a random",
                "checkpoint of --preset (GPT-2 small by default)."})
final class BenchGenerateCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The prefixes are created as training creates them (with the reparameterisation MLP), then used as inference uses them. */
    private static final int MLP_WIDTH = 512;

    private final PluginRegistry registry;
    private final ModelLoader loader;

    @Spec
    CommandSpec spec;

    @Mixin
    BenchModel.Options target;

    @Option(names = "--rows", defaultValue = "8", description = "Rows per batch; the mixed batch uses one prefix per row. Default: ${DEFAULT-VALUE}.")
    int rows;

    @Option(names = "--prompt-length", defaultValue = "32", description = "Random prompt tokens per row. Default: ${DEFAULT-VALUE}.")
    int promptLength;

    @Option(names = "--beams", defaultValue = "5", description = "Beam size. Default: ${DEFAULT-VALUE}.")
    int beams;

    @Option(names = "--new-tokens", defaultValue = "64", description = "Tokens generated per row, exactly (end-of-text is banned until then). Default: ${DEFAULT-VALUE}.")
    int newTokens;

    @Option(names = "--prefix-length", defaultValue = "10", description = "Length of every prefix. Default: ${DEFAULT-VALUE}.")
    int prefixLength;

    @Option(names = "--repeat", defaultValue = "3", description = "Timed rounds, each decoding the shared-prefix batch then the mixed one, after one"
            + " warm-up of each. Default: ${DEFAULT-VALUE}.")
    int repeat;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the prompts and prefixes. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Inject
    BenchGenerateCommand(PluginRegistry registry, ModelLoader loader) {
        this.registry = registry;
        this.loader = loader;
    }

    @Override
    public Integer call() {
        if (rows < 1 || promptLength < 1 || beams < 1 || newTokens < 1 || prefixLength < 1 || repeat < 1) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                    "--rows, --prompt-length, --beams, --new-tokens, --prefix-length and --repeat must be at least 1");
        }
        PrintWriter err = spec.commandLine().getErr();
        try (BenchModel checkpoint = target.open(); NDManager manager = NDManager.newBaseManager();
                ModelBackend backend = checkpoint.loadDecoderOnly(loader, manager, target.frozen.precision(), "bench generate")) {
            ModelGeometry geometry = backend.geometry();
            if (prefixLength + promptLength + newTokens > geometry.maxPositions()) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "--prefix-length + --prompt-length + --new-tokens ("
                        + (prefixLength + promptLength + newTokens) + ") exceed the model's " + geometry.maxPositions() + " positions");
            }
            err.println("bench generate: timing a GEMM peak, then " + (repeat + 1) + " rounds of a shared-prefix and a mixed-prefix batch");
            double gemmPeak = BenchFigures.gemmGflops(manager, 1024, 1024, 1024, 10);
            MixedAdapters prefixes = MixedAdapters.of(geometry, prefixes(backend, manager));
            long eos = backend.eosTokenIds().stream().findFirst().orElse(0L);
            GenerationConfig config = GenerationConfig.beamSearch(beams, newTokens).withMinNewTokens(newTokens).withEosTokenIds(eos).withPadTokenId(eos);
            long[][] prompts = prompts(geometry.vocabSize());
            Workload single = new Workload("single_prefix", new int[rows]);
            Workload mixed = new Workload("mixed_prefixes", IntStream.range(0, rows).toArray());
            for (int round = 0; round <= repeat; round++) {
                for (Workload workload : List.of(single, mixed)) {
                    workload.run(backend, prefixes, prompts, config, manager, round > 0);
                }
                err.println("bench generate: round " + round + (round == 0 ? " (warm-up)" : "") + " done");
            }
            spec.commandLine().getOut().println(report(geometry, single, mixed, gemmPeak).toPrettyString());
        }
        return 0;
    }

    /** One prefix per row, each from a freshly created random prefix adapter, its MLP run once and dropped. */
    private List<AdapterHooks> prefixes(ModelBackend backend, NDManager manager) {
        Map<String, String> settings = Map.of("length", Integer.toString(prefixLength), "mlp-width", Integer.toString(MLP_WIDTH));
        List<AdapterHooks> hooks = new ArrayList<>();
        for (int row = 0; row < rows; row++) {
            try (ParameterEfficientAdapter adapter = registry.adapter("prefix").create(settings, new AdapterContext(backend, manager, seed + row))) {
                hooks.add(adapter.hooks(new ForwardContext(manager, 1, false)));
            }
        }
        return hooks;
    }

    private long[][] prompts(int vocab) {
        Random random = new Random(seed);
        long[][] prompts = new long[rows][];
        for (int row = 0; row < rows; row++) {
            prompts[row] = random.longs(promptLength, 0, vocab).toArray();
        }
        return prompts;
    }

    private ObjectNode report(ModelGeometry geometry, Workload single, Workload mixed, double gemmPeak) {
        ObjectNode report = BenchFigures.report("generate", geometry, target.threads);
        ObjectNode workload = (ObjectNode) report.get("workload");
        workload.put("rows", rows);
        workload.put("prompt_length", promptLength);
        workload.put("beams", beams);
        workload.put("new_tokens", newTokens);
        workload.put("prefix_length", prefixLength);
        workload.put("prefix_mlp_width_at_creation", MLP_WIDTH);
        report.put("repeat", repeat);
        report.set(single.name, single.figures(rows * newTokens));
        report.set(mixed.name, mixed.figures(rows * newTokens));
        report.put("throughput_ratio_mixed_over_single", BenchFigures.median(single.seconds()) / BenchFigures.median(mixed.seconds()));
        report.put("gemm_peak_gflops", gemmPeak);
        report.put("notes", "tokens = rows x new tokens (each row's returned sequence; the beam search decodes rows x beams sequences). Rounds"
                + " alternate single, mixed after one warm-up of each; seconds are wall time of a whole batch's decoding (prompt pass"
                + " included). peak_rss_bytes is the resident peak while that batch ran" + (single.peakPerRun ? "" : " (could not be reset:"
                + " the process's peak)") + ". Target: mixed throughput within 10% of single (ratio >= 0.9).");
        return report;
    }

    /** One batch layout, its timings and peaks over the timed rounds. */
    private static final class Workload {
        private final String name;
        private final int[] prefixOfRow;
        private final List<Double> seconds = new ArrayList<>();
        private long peakResident = -1;
        private boolean peakPerRun = true;

        Workload(String name, int[] prefixOfRow) {
            this.name = name;
            this.prefixOfRow = prefixOfRow;
        }

        void run(ModelBackend backend, MixedAdapters prefixes, long[][] prompts, GenerationConfig config, NDManager manager, boolean timed) {
            peakPerRun &= ProcessMemory.resetPeak();
            long began = System.nanoTime();
            prefixes.generate(backend, prefixOfRow, prefixOfRow.length,
                    (rows, pass) -> SourceDecoding.leftPadded(IntStream.of(rows).mapToObj(row -> prompts[row]).toList(), config.padTokenId(), pass),
                    config, manager, done -> { });
            if (timed) {
                seconds.add((System.nanoTime() - began) / 1e9);
                peakResident = Math.max(peakResident, ProcessMemory.now().peakResidentBytes());
            }
        }

        double[] seconds() {
            return seconds.stream().mapToDouble(Double::doubleValue).toArray();
        }

        ObjectNode figures(int tokensPerRun) {
            ObjectNode figures = JSON.createObjectNode();
            figures.set("seconds", BenchFigures.spread(seconds()));
            figures.put("tokens_per_second", tokensPerRun / BenchFigures.median(seconds()));
            figures.put("peak_rss_bytes", peakResident);
            return figures;
        }
    }
}
