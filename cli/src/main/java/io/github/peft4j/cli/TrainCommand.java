package io.github.peft4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.inject.Inject;
import io.github.peft4j.cli.report.GeneratedSample;
import io.github.peft4j.cli.report.RunReport;
import io.github.peft4j.core.generation.GenerationConfig;
import io.github.peft4j.core.generation.Generator;
import io.github.peft4j.core.inject.PluginRegistry;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.io.OutputTarget;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.core.training.BaseWeights;
import io.github.peft4j.core.training.JsonlExamples;
import io.github.peft4j.core.training.TokenLimits;
import io.github.peft4j.core.training.MetricsLog;
import io.github.peft4j.core.training.ProgressBar;
import io.github.peft4j.core.training.RunManifest;
import io.github.peft4j.core.training.StepMetrics;
import io.github.peft4j.core.training.Trainer;
import io.github.peft4j.core.training.TrainingConfig;
import io.github.peft4j.core.training.TrainingExample;
import io.github.peft4j.core.training.TrainingListener;
import io.github.peft4j.core.training.TrainingResult;
import io.github.peft4j.datasets.CausalLmLayout;
import io.github.peft4j.datasets.Datasets;
import io.github.peft4j.datasets.LowDataSplit;
import io.github.peft4j.datasets.Sample;
import io.github.peft4j.datasets.Seq2SeqLayout;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ParameterEfficientAdapter;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.SpecialTokens;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.spi.TextTokenizer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peft4j train}: prefix-tuning (or any adapter method, or a fine-tuning baseline) on JSONL pairs. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train an adapter (or a fine-tuning baseline) on JSONL pairs {\"source\": ..., \"target\": ...} (text, or token ids)",
                "with the base model frozen. Prints the loss of every step; writes RUN_DIR/run.json, metrics.jsonl, checkpoint/ (for",
                "--resume), adapter/ (the exported adapter) and best/ (the adapter with the best dev loss, with --dev)."})
final class TrainCommand implements Callable<Integer> {
    private static final String FULL = "full";
    private static final String TOP_K = "top-k";

    private final ModelLoader loader;
    private final PluginRegistry registry;

    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "RUN_DIR",
            description = "Run directory to create (new or empty), or to continue with --resume. A new run that fails before its first checkpoint removes what it wrote.")
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out from its last checkpoint; every other option comes from its run.json.")
    boolean resume;

    @Option(names = "--model", description = "Hugging Face model directory.")
    Path model;

    @Mixin
    FrozenPrecisionOption frozen;

    @Option(names = "--method", defaultValue = "prefix", description = "prefix (default), another adapter from 'peft4j plugins', or the baselines full / top-k.")
    String method;

    @Option(names = "--data", description = "Training pairs, JSON Lines; with --dataset, the dataset's directory.")
    Path data;

    @Option(names = "--dev", description = "Dev pairs (JSON Lines) for evaluation, early stopping and best-checkpoint keeping.")
    Path dev;

    @Option(names = "--dataset", description = "Train on a dataset of the paper: e2e, webnlg, dart, xsum (or jsonl); its dev split is the dev set.")
    String dataset;

    @Option(names = "--low-data", description = "With --dataset: train on N seeded examples, with a dev split of 30%% of N beside them (the paper's low-data setting).")
    Integer lowData;

    @Option(names = "--prefix-length", description = "Virtual tokens P (adapter setting 'length'). Default: the method's (10 for prefix).")
    Integer prefixLength;

    @Option(names = "--mlp-width", description = "Width k of the reparameterisation MLP; 0 = train the prefix directly. Default: the method's (512).")
    Integer mlpWidth;

    @Option(names = "--init", description = "Start from this safetensors file of the method's parameters (e.g. prefix_module.* tensors).")
    Path init;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Any other setting of the method, e.g. --set dropout=0.1 --set init=words --set init-text=\"table-to-text:\".")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--top-k", defaultValue = "2", description = "Layers trained by --method top-k. Default: ${DEFAULT-VALUE}.")
    int topK;

    @Option(names = "--lr", defaultValue = "8e-5", description = "Peak learning rate. Default: ${DEFAULT-VALUE} (the paper's E2E).")
    double learningRate;

    @Option(names = "--schedule", defaultValue = "linear", description = "constant or linear (warmup, then linear decay). Default: ${DEFAULT-VALUE}.")
    TrainingConfig.Schedule schedule;

    @Option(names = "--warmup", defaultValue = "0", description = "Warmup steps. Default: ${DEFAULT-VALUE}.")
    long warmup;

    @Option(names = "--epochs", defaultValue = "5", description = "Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--steps", description = "Stop after this many optimizer steps (overrides --epochs).")
    Long steps;

    @Option(names = "--batch-size", defaultValue = "10", description = "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--grad-accum", defaultValue = "1", description = "Batches per optimizer step. Default: ${DEFAULT-VALUE}.")
    int gradientAccumulation;

    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "Gradient clipping; 0 = off. Default: ${DEFAULT-VALUE}.")
    double maxGradNorm;

    @Option(names = "--weight-decay", defaultValue = "0.0", description = "Default: ${DEFAULT-VALUE}.")
    double weightDecay;

    @Option(names = "--no-shuffle", description = "Keep the data order.")
    boolean noShuffle;

    @Option(names = "--seed", defaultValue = "1", description = "Seeds shuffling and initialisation. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--eval-every", defaultValue = "0", description = "Evaluate on --dev every N steps; 0 = every epoch. Default: ${DEFAULT-VALUE}.")
    long evalEvery;

    @Option(names = "--early-stopping", defaultValue = "0", description = "Stop after N evaluations without improvement; 0 = off. Default: ${DEFAULT-VALUE}.")
    int patience;

    @Option(names = "--checkpoint-every", defaultValue = "100", description = "Write a checkpoint every N steps (and at the end). Default: ${DEFAULT-VALUE}.")
    long checkpointEvery;

    @Inject
    TrainCommand(ModelLoader loader, PluginRegistry registry) {
        this.loader = loader;
        this.registry = registry;
    }

    @Override
    public Integer call() {
        if (resume) {
            refuseOptionsBesideResume();
            return train(RunManifest.read(out));
        }
        RunManifest manifest = newRun();
        OutputTarget.NewDirectory runDirectory = OutputTarget.createEmptyDirectory(out, "--out");
        try {
            manifest.write(out);
            return train(manifest);
        }
        catch (RuntimeException | Error e) {
            if (AtomicFiles.existingDirectory(out.resolve("checkpoint")).isPresent()) {
                if (e instanceof PeftException peft && peft.isUserError()) {
                    throw new PeftException(peft::getErrorCode, peft.getMessage() + ". The run's checkpoint is kept: once this is fixed, continue with"
                            + " 'peft4j train --resume --out " + out + "'", peft);
                }
                throw e;
            }
            // Nothing to resume from yet: what this run wrote goes, so the same command can simply be run again.
            runDirectory.discard();
            throw e;
        }
    }

    private int train(RunManifest manifest) {
        PrintWriter console = spec.commandLine().getOut();
        try (NDManager manager = NDManager.newBaseManager(); ModelBackend backend = loader.load(manifest.model(), manager, manifest.frozenPrecision())) {
            long eos = backend.eosTokenIds().stream().findFirst().orElse(0L);
            TrainingData examples = manifest.dataset().isPresent() ? datasetExamples(manifest, backend, eos)
                    : new TrainingData(JsonlExamples.read(manifest.data(), backend.tokenizer(), eos, TokenLimits.of(backend.geometry())),
                            manifest.dev().map(d -> JsonlExamples.read(d, backend.tokenizer(), eos, TokenLimits.of(backend.geometry()))).orElse(List.of()));
            List<TrainingExample> train = examples.train();
            List<TrainingExample> devExamples = examples.dev();
            Session session = open(manifest, backend, manager);
            try {
                reportParameters(console, backend, session);
                List<TrainingListener> listeners = List.of(ProgressBar.on(spec.commandLine().getErr()), new MetricsLog(out), stepPrinter(console));
                TrainingResult result = new Trainer(backend, session.trainable, manifest.training(), eos, listeners)
                        .train(train, devExamples, Optional.of(out), manifest.checkpointEverySteps(), session.export);
                AtomicFiles.replaceDirectory(out.resolve("adapter"), session.export);
                Path report = writeReport(manifest, backend, session, result, devExamples.isEmpty() ? train : devExamples, manager);
                console.printf(Locale.ROOT, "Finished after %d steps. Run directory: %s (adapter/ is the exported %s%s); report: %s%n",
                        result.steps(), out, manifest.method(), devExamples.isEmpty() ? "" : "; best/ has the best dev loss", report);
            }
            finally {
                session.close();
            }
        }
        return 0;
    }

    private record TrainingData(List<TrainingExample> train, List<TrainingExample> dev) {}

    /** A named dataset's training split (or a seeded low-data subset) and its dev split, in the paper's layout. */
    private static TrainingData datasetExamples(RunManifest manifest, ModelBackend backend, long eos) {
        TextTokenizer tokenizer = Tokenizers.require(backend, manifest.model());
        String name = manifest.dataset().orElseThrow();
        List<Sample> train = Datasets.read(name, manifest.data(), "train").samples();
        List<Sample> dev;
        if (manifest.lowData().isPresent()) {
            LowDataSplit subset = LowDataSplit.sample(train, manifest.lowData().getAsInt(), manifest.training().seed());
            train = subset.train();
            dev = subset.dev();
        }
        else {
            dev = Datasets.read(name, manifest.data(), "dev").samples();
        }
        TokenLimits limits = TokenLimits.of(backend.geometry());
        if (backend.geometry().isEncoderDecoder()) {
            long bos = backend.specialTokens().bos().orElseThrow(() -> new PeftException(StandardErrorCode.MALFORMED_CONFIG,
                    manifest.model() + "/config.json names no bos_token_id, which starts every encoder-decoder source and target"));
            long end = backend.specialTokens().eos().orElse(eos);
            return new TrainingData(Seq2SeqLayout.examples(train, tokenizer, bos, end, limits), Seq2SeqLayout.examples(dev, tokenizer, bos, end, limits));
        }
        return new TrainingData(CausalLmLayout.examples(train, tokenizer, eos, limits), CausalLmLayout.examples(dev, tokenizer, eos, limits));
    }

    /** Refuses a --dataset name that no reader knows, before the model is loaded (whose problems would hide the typo). */
    static void requireKnownDataset(String name) {
        if (!Datasets.NAMES.contains(name)) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "--dataset " + name + " is no dataset peft4j reads; choose one of "
                    + String.join(", ", Datasets.NAMES));
        }
    }

    /** A resumed run takes every option from its run.json: any other option given would be silently ignored, so it is refused. */
    private void refuseOptionsBesideResume() {
        List<String> ignored = spec.commandLine().getParseResult().matchedOptions().stream().map(option -> option.longestName())
                .filter(name -> !name.equals("--out") && !name.equals("--resume")).distinct().toList();
        if (!ignored.isEmpty()) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "--resume continues " + out + " with the options in its "
                    + RunManifest.FILE_NAME + "; drop " + String.join(", ", ignored));
        }
    }

    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /**
     * Refuses method options that the method would not use: --top-k beside another method, the adapter options
     * (--prefix-length, --mlp-width, --init, --set) beside the baselines, and an adapter option given twice, once
     * directly and once through --set.
     */
    private void refuseOptionsTheMethodIgnores() {
        if (given("--top-k") && !method.equals(TOP_K)) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "--top-k sets the layers of --method top-k; drop it for --method " + method);
        }
        if (method.equals(FULL) || method.equals(TOP_K)) {
            List<String> adapterOptions = List.of("--prefix-length", "--mlp-width", "--init", "--set").stream().filter(this::given).toList();
            if (!adapterOptions.isEmpty()) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "--method " + method + " fine-tunes the model's own weights and has no"
                        + " adapter settings; drop " + String.join(", ", adapterOptions) + " (or choose an adapter method, e.g. --method prefix)");
            }
            return;
        }
        Map<String, String> settingOfOption = new LinkedHashMap<>();
        settingOfOption.put("--prefix-length", "length");
        settingOfOption.put("--mlp-width", "mlp-width");
        settingOfOption.put("--init", "init-file");
        settingOfOption.forEach((option, setting) -> {
            if (given(option) && settings.containsKey(setting)) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, option + " and --set " + setting + "=" + settings.get(setting)
                        + " both set the adapter's '" + setting + "'; give only one of them");
            }
        });
    }

    private RunManifest newRun() {
        if (model == null || data == null) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "A new run needs --model and --data (or --resume to continue " + out + ")");
        }
        if (Files.exists(out.resolve(RunManifest.FILE_NAME))) {
            throw new PeftException(StandardErrorCode.OUTPUT_EXISTS, out + " already holds a run: add --resume to continue it, or choose another --out");
        }
        refuseOptionsTheMethodIgnores();
        Map<String, String> methodSettings = new LinkedHashMap<>(settings);
        if (method.equals(TOP_K)) {
            methodSettings.put("layers", Integer.toString(topK));
        }
        else if (!method.equals(FULL)) {
            if (prefixLength != null) {
                methodSettings.put("length", prefixLength.toString());
            }
            if (mlpWidth != null) {
                methodSettings.put("mlp-width", mlpWidth.toString());
            }
            if (init != null) {
                methodSettings.put("init-file", init.toAbsolutePath().toString());
            }
            registry.adapter(method).parseConfig(methodSettings);
        }
        TrainingConfig training = new TrainingConfig(learningRate, schedule, warmup, epochs,
                steps == null ? OptionalLong.empty() : OptionalLong.of(steps), batchSize, gradientAccumulation, maxGradNorm, weightDecay,
                !noShuffle, seed, evalEvery, patience);
        if (dataset != null) {
            requireKnownDataset(dataset);
        }
        if (lowData != null && dataset == null) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "--low-data samples a --dataset's training split; add --dataset");
        }
        RunManifest manifest = new RunManifest(model, method, methodSettings, training, data, Optional.ofNullable(dev), Optional.ofNullable(dataset),
                lowData == null ? OptionalInt.empty() : OptionalInt.of(lowData), checkpointEvery, frozen.precision());
        return manifest;
    }

    /** What a run trains and how it is exported. */
    private record Session(Trainer.Trainable trainable, Consumer<Path> export, OptionalLong exportedParameters, Optional<ParameterEfficientAdapter> adapter)
            implements AutoCloseable {
        @Override
        public void close() {
            adapter.ifPresent(ParameterEfficientAdapter::close);
        }
    }

    private Session open(RunManifest manifest, ModelBackend backend, NDManager manager) {
        if (manifest.method().equals(FULL) || manifest.method().equals(TOP_K)) {
            BaseWeights weights = manifest.method().equals(FULL) ? BaseWeights.all(backend)
                    : BaseWeights.topLayers(backend, Integer.parseInt(manifest.settings().get("layers")));
            Consumer<Path> export = directory -> SafetensorsWriter.write(directory.resolve("trained-weights.safetensors"), weights.parameters(), Map.of("format", "pt"));
            return new Session(weights, export, OptionalLong.empty(), Optional.empty());
        }
        ParameterEfficientAdapter adapter = registry.adapter(manifest.method())
                .create(manifest.settings(), new AdapterContext(backend, manager, manifest.training().seed()));
        return new Session(Trainer.Trainable.of(adapter), adapter::export, OptionalLong.of(adapter.exportedParameterCount()), Optional.of(adapter));
    }

    /** The run's report: curves from metrics.jsonl, counts, hyper-parameters and a few greedy generations. */
    private Path writeReport(RunManifest manifest, ModelBackend backend, Session session, TrainingResult result, List<TrainingExample> shown,
            NDManager manager) {
        long base = backend.baseParameters().values().stream().mapToLong(NDArray::size).sum();
        long trained = session.trainable.parameters().values().stream().mapToLong(NDArray::size).sum();
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("method", manifest.method());
        facts.put("model", manifest.model().toString());
        facts.put("base parameters", String.format(Locale.ROOT, "%,d", base));
        facts.put("trained parameters", String.format(Locale.ROOT, "%,d (%.3f%% of the base)", trained, 100.0 * trained / base));
        session.exportedParameters.ifPresent(exported ->
                facts.put("exported parameters", String.format(Locale.ROOT, "%,d (%.3f%% of the base)", exported, 100.0 * exported / base)));
        manifest.settings().forEach((key, value) -> facts.put("setting " + key, value));
        TrainingConfig training = manifest.training();
        facts.put("learning rate", training.learningRate() + " (" + training.schedule().name().toLowerCase(Locale.ROOT) + ", warmup "
                + training.warmupSteps() + ")");
        facts.put("batch size", training.batchSize() + " x " + training.gradientAccumulation() + " accumulated");
        facts.put("gradient clipping", training.maxGradNorm() > 0 ? Double.toString(training.maxGradNorm()) : "off");
        facts.put("seed", Long.toString(training.seed()));
        facts.put("steps", Long.toString(result.steps()));
        facts.put("last training loss", RunReport.number(result.lastLoss()));
        result.bestDevLoss().ifPresent(loss -> facts.put("best dev loss", RunReport.number(loss)));
        return RunReport.write(out, "peft4j " + manifest.method() + " run", facts, samples(backend, session, shown, manager));
    }

    /**
     * Greedy continuations of up to four examples' sources with what was trained. For an encoder-decoder model the
     * source feeds the encoder and the decoder starts from the decoder start token; its special tokens
     * ({@code <s>}, {@code </s>}, padding) are left out of the texts shown.
     */
    private static List<GeneratedSample> samples(ModelBackend backend, Session session, List<TrainingExample> examples, NDManager manager) {
        Optional<TextTokenizer> tokenizer = backend.tokenizer();
        long[] eos = backend.eosTokenIds().stream().mapToLong(Long::longValue).toArray();
        boolean encoderDecoder = backend.geometry().isEncoderDecoder();
        SpecialTokens special = backend.specialTokens();
        long pad = encoderDecoder ? special.pad().orElse(eos.length > 0 ? eos[0] : 0) : eos.length > 0 ? eos[0] : 0;
        GenerationConfig greedy = GenerationConfig.greedy(40).withEosTokenIds(eos).withPadTokenId(pad);
        long[] hidden = encoderDecoder ? LongStream.of(special.bos().orElse(-1), special.eos().orElse(-1), special.pad().orElse(-1)).filter(id -> id >= 0).toArray()
                : new long[0];
        List<GeneratedSample> samples = new ArrayList<>();
        for (TrainingExample example : examples.subList(0, Math.min(4, examples.size()))) {
            if (example.source().length == 0) {
                continue;
            }
            try (NDManager pass = manager.newSubManager()) {
                AdapterHooks hooks = session.trainable.hooks(new ForwardContext(pass, 1, false));
                ForwardInput prompt = ForwardInput.of(pass.create(new long[][] {example.source()}));
                if (encoderDecoder) {
                    long start = special.decoderStart().orElse(eos.length > 0 ? eos[0] : 0);
                    prompt = prompt.withDecoderInput(pass.create(new long[][] {{start}}), Optional.empty());
                }
                long[] generated = Generator.generate(backend, prompt, hooks, greedy).get(0).get(0).tokens();
                samples.add(new GeneratedSample(text(without(example.source(), hidden), tokenizer), text(without(example.target(), hidden), tokenizer),
                        text(without(generated, hidden), tokenizer)));
            }
        }
        return samples;
    }

    private static long[] without(long[] ids, long[] hidden) {
        return hidden.length == 0 ? ids : LongStream.of(ids).filter(id -> LongStream.of(hidden).noneMatch(h -> h == id)).toArray();
    }

    private static String text(long[] ids, Optional<TextTokenizer> tokenizer) {
        return tokenizer.map(t -> t.decode(ids)).orElseGet(() -> Arrays.toString(ids));
    }

    private static void reportParameters(PrintWriter console, ModelBackend backend, Session session) {
        long base = backend.baseParameters().values().stream().mapToLong(NDArray::size).sum();
        long trained = session.trainable.parameters().values().stream().mapToLong(NDArray::size).sum();
        console.printf(Locale.ROOT, "Parameters: base model %,d; trained %,d (%.3f%% of the base)%n", base, trained, 100.0 * trained / base);
        session.exportedParameters.ifPresent(exported -> console.printf(Locale.ROOT,
                "Exported adapter: %,d parameters (%.3f%% of the base); the rest (e.g. the reparameterisation MLP) is dropped at export%n",
                exported, 100.0 * exported / base));
    }

    private static TrainingListener stepPrinter(PrintWriter console) {
        return new TrainingListener() {
            @Override
            public void onStep(StepMetrics step) {
                console.printf(Locale.ROOT, "step %d loss %.6f lr %.3e%n", step.step(), step.loss(), step.learningRate());
                console.flush();
            }
        };
    }
}
