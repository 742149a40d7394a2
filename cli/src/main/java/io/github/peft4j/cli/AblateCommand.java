package io.github.peft4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.inject.Inject;
import io.github.peft4j.core.generation.GenerationConfig;
import io.github.peft4j.core.inject.PluginRegistry;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.io.OutputTarget;
import io.github.peft4j.core.training.JsonlExamples;
import io.github.peft4j.core.training.TokenLimits;
import io.github.peft4j.core.training.ProgressBar;
import io.github.peft4j.core.training.StepMetrics;
import io.github.peft4j.core.training.Trainer;
import io.github.peft4j.core.training.TrainingConfig;
import io.github.peft4j.core.training.TrainingExample;
import io.github.peft4j.core.training.TrainingListener;
import io.github.peft4j.datasets.CausalLmLayout;
import io.github.peft4j.datasets.Datasets;
import io.github.peft4j.datasets.EvaluationItem;
import io.github.peft4j.datasets.LowDataSplit;
import io.github.peft4j.datasets.Sample;
import io.github.peft4j.datasets.metrics.MtevalBleu;
import io.github.peft4j.datasets.metrics.RougeScore;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.AdapterProvider;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ParameterEfficientAdapter;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.spi.TextTokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peft4j ablate}: the paper's ablation (Li &amp; Liang 2021, Section 7.2) on the user's data. Every method at
 * every length is trained from a fresh adapter with the same data, data order, seed, settings and budget of optimizer
 * steps; then its dev loss and, with a dataset, the dataset's main metric on generations for the dev split are
 * measured. The result is printed as a table and written as JSON.
 */
@Command(name = "ablate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train each method (default prefix, embedding and infix) at each length with the same data, seed and budget of",
                "optimizer steps, and print a table like the paper's ablation: parameters, final training loss, dev loss and, with",
                "--dataset, the dataset's main metric on the dev split (BLEU; ROUGE-L for xsum). Writes OUT/ablation.json, and per",
                "run OUT/METHOD-LENGTH/adapter/ (the exported adapter) and predictions.txt."})
final class AblateCommand implements Callable<Integer> {
    /** The methods of the paper's comparison. */
    static final List<String> DEFAULT_METHODS = List.of("prefix", "embedding", "infix");
    static final String RESULT_FILE = "ablation.json";

    private static final int LOSS_WINDOW = 10;

    private final ModelLoader loader;
    private final PluginRegistry registry;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model directory.")
    Path model;

    @Option(names = "--data", required = true, description = "Training pairs, JSON Lines; with --dataset, the dataset's directory.")
    Path data;

    @Option(names = "--dev", description = "Dev pairs (JSON Lines) for the dev loss, when --data is a JSONL file.")
    Path dev;

    @Option(names = "--dataset", description = "e2e, webnlg, dart, xsum or jsonl: train on its training split, measure on its dev split.")
    String dataset;

    @Option(names = "--low-data", description = "With --dataset: train on N seeded examples, with a dev split of 30%% of N beside them.")
    Integer lowData;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for ablation.json, the adapters and the predictions: a new "
            + "path, or an earlier ablation (replaced when the new one is complete). Anything else is refused unless --force.")
    Path out;

    @Option(names = "--force", description = "Replace --out even if it is not an earlier ablation (never the model or data directory, or one containing them).")
    boolean force;

    @Option(names = "--methods", split = ",", description = "Adapter methods to compare. Default: prefix,embedding,infix.")
    List<String> methods;

    @Option(names = "--lengths", split = ",", description = "Lengths (virtual tokens P or I) to train each method at. Default: 10 (the paper's table: 1,10,20).")
    List<Integer> lengths;

    @Option(names = "--budget", required = true, paramLabel = "STEPS", description = "Optimizer steps per run, the same for every method.")
    long budget;

    @Option(names = "--mlp-width", description = "Width k of every method's reparameterisation MLP; 0 = none. Default: each method's (512).")
    Integer mlpWidth;

    @Option(names = "--set", paramLabel = "[METHOD.]KEY=VALUE",
            description = "A setting for every method (KEY=VALUE, e.g. init=words) or for one (METHOD.KEY=VALUE, e.g. infix.boundary=target).")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--lr", defaultValue = "8e-5", description = "Peak learning rate. Default: ${DEFAULT-VALUE} (the paper's E2E).")
    double learningRate;

    @Option(names = "--schedule", defaultValue = "linear", description = "constant or linear (warmup, then linear decay). Default: ${DEFAULT-VALUE}.")
    TrainingConfig.Schedule schedule;

    @Option(names = "--warmup", defaultValue = "0", description = "Warmup steps. Default: ${DEFAULT-VALUE}.")
    long warmup;

    @Option(names = "--batch-size", defaultValue = "10", description = "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--grad-accum", defaultValue = "1", description = "Batches per optimizer step. Default: ${DEFAULT-VALUE}.")
    int gradientAccumulation;

    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "Gradient clipping; 0 = off. Default: ${DEFAULT-VALUE}.")
    double maxGradNorm;

    @Option(names = "--seed", defaultValue = "1", description = "Seeds data order and initialisation, the same for every run. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--eval-limit", description = "Measure on the first N dev examples (dev loss) and N dev sources (generation) only.")
    Integer evalLimit;

    @Option(names = "--beams", defaultValue = "5", description = "Beam size for the dev generations. Default: ${DEFAULT-VALUE}.")
    int beams;

    @Option(names = "--max-new-tokens", defaultValue = "100", description = "Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--min-new-tokens", defaultValue = "5", description = "Default: ${DEFAULT-VALUE}.")
    int minNewTokens;

    @Option(names = "--decode-batch-size", defaultValue = "8", description = "Sources decoded together. Default: ${DEFAULT-VALUE}.")
    int decodeBatchSize;

    /** --beams, --max-new-tokens and --min-new-tokens, checked before anything is trained. */
    private GenerationConfig decoding;

    @Inject
    AblateCommand(ModelLoader loader, PluginRegistry registry) {
        this.loader = loader;
        this.registry = registry;
    }

    /** One trained method at one length, as measured. */
    record Row(String method, int length, Map<String, String> settings, long trainedParameters, long exportedParameters, long steps, double trainLoss,
            OptionalDouble devLoss, OptionalDouble metric, double seconds) {}

    /** What every run shares: the examples, and the dev items generated for when a dataset is given. */
    private record Data(List<TrainingExample> train, List<TrainingExample> dev, List<EvaluationItem> evaluation) {}

    @Override
    public Integer call() {
        List<String> chosenMethods = methods == null ? DEFAULT_METHODS : methods.stream().map(String::trim).toList();
        List<Integer> chosenLengths = lengths == null ? List.of(10) : lengths;
        check(!chosenMethods.isEmpty() && !chosenLengths.isEmpty(), "--methods and --lengths need at least one value each");
        check(chosenLengths.stream().allMatch(length -> length >= 1), "--lengths are numbers of virtual tokens, each >= 1; got " + chosenLengths);
        check(budget >= 1, "--budget is a number of optimizer steps >= 1; got " + budget);
        if (dataset != null) {
            TrainCommand.requireKnownDataset(dataset);
        }
        check(lowData == null || dataset != null, "--low-data samples a --dataset's training split; add --dataset");
        check(dev == null || dataset == null, "--dev is for JSONL --data; with --dataset the dataset's dev split is used");
        check(evalLimit == null || evalLimit >= 1, "--eval-limit must be >= 1; got " + evalLimit);
        // The decoding options are checked even without --dataset (which alone decodes), so that nonsense never passes.
        decoding = GenerationConfig.DEFAULT.withNumBeams(beams).withMaxNewTokens(maxNewTokens).withMinNewTokens(minNewTokens);
        check(decodeBatchSize >= 1, "--decode-batch-size is a number of sources decoded together, >= 1; got " + decodeBatchSize);
        TrainingConfig training = new TrainingConfig(learningRate, schedule, warmup, 1, OptionalLong.of(budget), batchSize, gradientAccumulation,
                maxGradNorm, 0, true, seed, 0, 0);
        // Every method's settings are checked before anything is trained.
        Map<String, Map<String, String>> settingsByRun = new LinkedHashMap<>();
        for (String method : chosenMethods) {
            AdapterProvider<?> provider = registry.adapter(method);
            for (int length : chosenLengths) {
                Map<String, String> runSettings = settingsFor(method, length);
                provider.parseConfig(runSettings);
                settingsByRun.put(runName(method, length), runSettings);
            }
        }
        for (String key : settings.keySet()) {
            int dot = key.indexOf('.');
            check(dot < 0 || chosenMethods.contains(key.substring(0, dot)), "--set " + key + " names method '" + (dot < 0 ? "" : key.substring(0, dot))
                    + "', which is not among --methods " + chosenMethods);
        }
        OutputTarget target = OutputTarget.directory(out, "ablation", "an ablation directory written by 'peft4j ablate' (holding only what it wrote)")
                .force(force).protecting("the model directory", model).protecting("the training data", data).protecting("the dev data", dev).check();

        PrintWriter console = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Row> rows = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(); ModelBackend backend = loader.load(model, manager)) {
            long eos = backend.eosTokenIds().stream().findFirst().orElse(0L);
            Data examples = readData(backend, eos);
            long baseParameters = backend.baseParameters().values().stream().mapToLong(NDArray::size).sum();
            // Written beside --out and swapped in when complete: an earlier ablation stays whole until then.
            target.replaceDirectory(directory -> {
                int run = 0;
                for (String method : chosenMethods) {
                    for (int length : chosenLengths) {
                        run++;
                        err.printf(Locale.ROOT, "ablate: run %d/%d, %s with length %d%n", run, chosenMethods.size() * chosenLengths.size(), method, length);
                        err.flush();
                        rows.add(runOne(directory, backend, manager, eos, method, length, settingsByRun.get(runName(method, length)), training, examples, err));
                    }
                }
                String metricName = dataset == null ? null : metricName(dataset);
                printTable(console, rows, baseParameters, metricName);
                AtomicFiles.writeString(directory.resolve(RESULT_FILE), json(rows, baseParameters, metricName, training, examples).toPrettyString() + "\n");
            });
            console.printf(Locale.ROOT, "Wrote %s%n", out.resolve(RESULT_FILE));
        }
        return 0;
    }

    /** The settings of one run: the length, --mlp-width, then --set (global first, then the method's own). */
    Map<String, String> settingsFor(String method, int length) {
        Map<String, String> runSettings = new LinkedHashMap<>();
        runSettings.put("length", Integer.toString(length));
        if (mlpWidth != null) {
            runSettings.put("mlp-width", mlpWidth.toString());
        }
        settings.forEach((key, value) -> {
            if (key.indexOf('.') < 0) {
                runSettings.put(key, value);
            }
        });
        settings.forEach((key, value) -> {
            if (key.startsWith(method + ".")) {
                runSettings.put(key.substring(method.length() + 1), value);
            }
        });
        return runSettings;
    }

    static String runName(String method, int length) {
        return method + "-" + length;
    }

    private Row runOne(Path ablationDirectory, ModelBackend backend, NDManager manager, long eos, String method, int length, Map<String, String> runSettings,
            TrainingConfig training, Data examples, PrintWriter err) {
        long began = System.nanoTime();
        Path runDirectory = ablationDirectory.resolve(runName(method, length));
        try (NDManager runManager = manager.newSubManager();
                ParameterEfficientAdapter adapter = registry.adapter(method).create(runSettings, new AdapterContext(backend, runManager, seed))) {
            double[] recent = new double[LOSS_WINDOW];
            long[] seen = new long[1];
            TrainingListener lossWindow = new TrainingListener() {
                @Override
                public void onStep(StepMetrics step) {
                    recent[(int) (seen[0]++ % LOSS_WINDOW)] = step.loss();
                }
            };
            Trainer trainer = new Trainer(backend, Trainer.Trainable.of(adapter), training, eos, List.of(ProgressBar.on(err), lossWindow));
            long steps = trainer.train(examples.train(), List.of(), Optional.empty(), 0, directory -> {}).steps();
            double trainLoss = Arrays.stream(recent, 0, (int) Math.min(seen[0], LOSS_WINDOW)).average().orElse(Double.NaN);
            OptionalDouble devLoss = examples.dev().isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(trainer.evaluate(examples.dev(), runManager));
            AtomicFiles.replaceDirectory(runDirectory.resolve("adapter"), adapter::export);
            OptionalDouble metric = OptionalDouble.empty();
            if (!examples.evaluation().isEmpty()) {
                List<String> predictions = predict(backend, adapter, examples.evaluation(), eos, runManager);
                AtomicFiles.writeString(runDirectory.resolve("predictions.txt"), String.join("\n", predictions) + "\n");
                metric = OptionalDouble.of(score(dataset, predictions, examples.evaluation()));
            }
            long trained = adapter.trainableParameters().values().stream().mapToLong(NDArray::size).sum();
            return new Row(method, length, runSettings, trained, adapter.exportedParameterCount(), steps, trainLoss, devLoss, metric,
                    (System.nanoTime() - began) / 1e9);
        }
    }

    private Data readData(ModelBackend backend, long eos) {
        if (dataset == null) {
            List<TrainingExample> train = JsonlExamples.read(data, backend.tokenizer(), eos, TokenLimits.of(backend.geometry()));
            List<TrainingExample> devExamples = dev == null ? List.of() : limited(JsonlExamples.read(dev, backend.tokenizer(), eos, TokenLimits.of(backend.geometry())));
            return new Data(train, devExamples, List.of());
        }
        TextTokenizer tokenizer = Tokenizers.require(backend, model);
        List<Sample> train = Datasets.read(dataset, data, "train").samples();
        List<Sample> devSamples;
        List<EvaluationItem> evaluation;
        if (lowData != null) {
            LowDataSplit subset = LowDataSplit.sample(train, lowData, seed);
            train = subset.train();
            devSamples = subset.dev();
            evaluation = itemsOf(devSamples);
        }
        else {
            var split = Datasets.read(dataset, data, "dev");
            devSamples = split.samples();
            evaluation = split.evaluationItems();
        }
        TokenLimits limits = TokenLimits.of(backend.geometry());
        return new Data(CausalLmLayout.examples(train, tokenizer, eos, limits), limited(CausalLmLayout.examples(devSamples, tokenizer, eos, limits)),
                limited(evaluation));
    }

    /** Evaluation items of samples: one per distinct source, in order of first appearance, with all its targets. */
    private static List<EvaluationItem> itemsOf(List<Sample> samples) {
        Map<String, List<String>> references = new LinkedHashMap<>();
        for (Sample sample : samples) {
            references.computeIfAbsent(sample.source(), source -> new ArrayList<>()).add(sample.target());
        }
        return references.entrySet().stream().map(entry -> new EvaluationItem(entry.getKey(), entry.getValue())).toList();
    }

    private <T> List<T> limited(List<T> items) {
        return evalLimit == null ? items : items.subList(0, Math.min(evalLimit, items.size()));
    }

    /** One output per evaluation item: beam search from the source's prompt, cut at the first end-of-text. */
    private List<String> predict(ModelBackend backend, ParameterEfficientAdapter adapter, List<EvaluationItem> items, long eos, NDManager manager) {
        TextTokenizer tokenizer = Tokenizers.require(backend, model);
        GenerationConfig config = decoding.withEosTokenIds(eos).withPadTokenId(eos).withBannedTokenIds(SourceDecoding.newlineTokens(tokenizer));
        try (NDManager prefix = manager.newSubManager()) {
            return SourceDecoding.generate(backend, adapter.hooks(new ForwardContext(prefix, 1, false)), items.stream().map(EvaluationItem::source).toList(),
                    tokenizer, eos, config, decodeBatchSize, manager, done -> { });
        }
    }

    /** The dataset's main metric, on the paper's 0-100 scale. */
    static String metricName(String dataset) {
        return dataset.equals("xsum") ? "ROUGE-L" : "BLEU";
    }

    /**
     * The main metric of {@code dataset} for the predictions, 0-100: BLEU as the E2E scorer computes it (mteval,
     * lowercased, all references of an item) for the table-to-text datasets and JSONL; ROUGE-L F1 (rouge_score, with
     * stemming) for XSUM.
     */
    static double score(String dataset, List<String> predictions, List<EvaluationItem> items) {
        List<List<String>> references = items.stream().map(EvaluationItem::references).toList();
        if (dataset.equals("xsum")) {
            return 100 * RougeScore.score(predictions, references).rougeL().fmeasure();
        }
        return 100 * MtevalBleu.score(predictions, references).bleu();
    }

    private static void printTable(PrintWriter console, List<Row> rows, long baseParameters, String metricName) {
        List<String> header = new ArrayList<>(List.of("method", "length", "trained params", "exported params", "steps", "train loss", "dev loss"));
        if (metricName != null) {
            header.add("dev " + metricName);
        }
        List<List<String>> cells = new ArrayList<>();
        cells.add(header);
        for (Row row : rows) {
            List<String> line = new ArrayList<>(List.of(row.method(), Integer.toString(row.length()), parameters(row.trainedParameters(), baseParameters),
                    parameters(row.exportedParameters(), baseParameters), Long.toString(row.steps()), number(row.trainLoss()),
                    row.devLoss().isPresent() ? number(row.devLoss().getAsDouble()) : "-"));
            if (metricName != null) {
                line.add(row.metric().isPresent() ? String.format(Locale.ROOT, "%.1f", row.metric().getAsDouble()) : "-");
            }
            cells.add(line);
        }
        int[] widths = new int[header.size()];
        for (List<String> line : cells) {
            for (int column = 0; column < line.size(); column++) {
                widths[column] = Math.max(widths[column], line.get(column).length());
            }
        }
        for (List<String> line : cells) {
            StringBuilder text = new StringBuilder();
            for (int column = 0; column < line.size(); column++) {
                String cell = line.get(column);
                text.append(column < 2 ? String.format(Locale.ROOT, "%-" + widths[column] + "s", cell) : String.format(Locale.ROOT, "%" + widths[column] + "s", cell));
                text.append(column + 1 < line.size() ? "  " : "");
            }
            console.println(text.toString().stripTrailing());
        }
        console.flush();
    }

    private static String parameters(long count, long base) {
        return String.format(Locale.ROOT, "%,d (%.3f%%)", count, 100.0 * count / base);
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }

    private ObjectNode json(List<Row> rows, long baseParameters, String metricName, TrainingConfig training, Data examples) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("model", model.toString());
        root.put("data", data.toString());
        if (dataset != null) {
            root.put("dataset", dataset);
        }
        if (lowData != null) {
            root.put("low_data", lowData);
        }
        root.put("base_parameters", baseParameters);
        root.put("budget_steps", budget);
        root.put("train_examples", examples.train().size());
        root.put("dev_examples", examples.dev().size());
        root.put("dev_items_generated", examples.evaluation().size());
        ObjectNode trainingNode = root.putObject("training");
        trainingNode.put("learning_rate", training.learningRate());
        trainingNode.put("schedule", training.schedule().name().toLowerCase(Locale.ROOT));
        trainingNode.put("warmup_steps", training.warmupSteps());
        trainingNode.put("batch_size", training.batchSize());
        trainingNode.put("gradient_accumulation", training.gradientAccumulation());
        trainingNode.put("max_grad_norm", training.maxGradNorm());
        trainingNode.put("seed", training.seed());
        if (metricName != null) {
            ObjectNode decoding = root.putObject("decoding");
            decoding.put("beams", beams);
            decoding.put("max_new_tokens", maxNewTokens);
            decoding.put("min_new_tokens", minNewTokens);
            root.put("metric", metricName);
        }
        ArrayNode runs = root.putArray("runs");
        for (Row row : rows) {
            ObjectNode node = runs.addObject();
            node.put("method", row.method());
            node.put("length", row.length());
            ObjectNode rowSettings = node.putObject("settings");
            row.settings().forEach(rowSettings::put);
            node.put("trained_parameters", row.trainedParameters());
            node.put("exported_parameters", row.exportedParameters());
            node.put("steps", row.steps());
            node.put("train_loss", row.trainLoss());
            if (row.devLoss().isPresent()) {
                node.put("dev_loss", row.devLoss().getAsDouble());
            }
            else {
                node.putNull("dev_loss");
            }
            if (metricName != null) {
                if (row.metric().isPresent()) {
                    node.put(metricName.toLowerCase(Locale.ROOT).replace('-', '_'), row.metric().getAsDouble());
                }
            }
            node.put("adapter", runName(row.method(), row.length()) + "/adapter");
            node.put("seconds", row.seconds());
        }
        return root;
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, message);
        }
    }
}
