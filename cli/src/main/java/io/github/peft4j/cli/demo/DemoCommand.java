package io.github.peft4j.cli.demo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.inject.Inject;
import io.github.peft4j.cli.FrozenPrecisionOption;
import io.github.peft4j.cli.SourceDecoding;
import io.github.peft4j.cli.report.GeneratedSample;
import io.github.peft4j.cli.report.RunReport;
import io.github.peft4j.core.generation.GenerationConfig;
import io.github.peft4j.core.inject.PluginRegistry;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.io.OutputTarget;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.core.training.BaseWeights;
import io.github.peft4j.core.training.CausalLmText;
import io.github.peft4j.core.training.MetricsLog;
import io.github.peft4j.core.training.ProgressBar;
import io.github.peft4j.core.training.Trainer;
import io.github.peft4j.core.training.TrainingConfig;
import io.github.peft4j.core.training.TrainingExample;
import io.github.peft4j.core.training.TrainingListener;
import io.github.peft4j.core.training.TrainingResult;
import io.github.peft4j.datasets.metrics.MtevalBleu;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ParameterEfficientAdapter;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.RandomModelShape;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.spi.TextTokenizer;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peft4j demo}: a small GPT-2 learns a synthetic restaurant language (full training), is frozen, and a
 * prefix of a few virtual tokens teaches it table-to-text; BLEU on held-out meaning representations before and
 * after shows what the prefix alone achieves.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prefix-tuning end to end in a few minutes, offline: pretrain a small GPT-2 on a synthetic restaurant language,",
                "freeze it, prefix-tune it for table-to-text, and compare BLEU on held-out inputs before and after. Writes reports with plots."})
public final class DemoCommand implements Callable<Integer> {
    /** Positions of the demo's model, and the restaurants its prefix trains on (the rest can be held out). */
    private static final int POSITIONS = 128;
    private static final int TRAINING_RESTAURANTS = 600;

    private final PluginRegistry registry;

    @Spec
    CommandSpec spec;

    @Option(names = "--out", defaultValue = "runs/demo", description = "Where the model, runs and reports go: a new or empty directory, or an "
            + "earlier demo (replaced when the new one is complete); anything else is refused unless --force. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--force", description = "Replace --out even if it is not an earlier demo (never the current or home directory, or one containing them).")
    boolean force;

    @Option(names = "--seed", defaultValue = "7", description = "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--pretrain-steps", defaultValue = "500", description = "Full-training steps of the language model. Default: ${DEFAULT-VALUE}.")
    long pretrainSteps;

    @Option(names = "--prefix-steps", defaultValue = "1000", description = "Prefix-tuning steps. Default: ${DEFAULT-VALUE}.")
    long prefixSteps;

    @Option(names = "--prefix-length", defaultValue = "10", description = "Virtual tokens of the prefix. Default: ${DEFAULT-VALUE}.")
    int prefixLength;

    @Mixin
    FrozenPrecisionOption frozen;

    @Option(names = "--held-out", defaultValue = "40", description = "Held-out inputs to generate for. Default: ${DEFAULT-VALUE}.")
    int heldOut;

    @Inject
    DemoCommand(PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Integer call() {
        validate();
        OutputTarget target = OutputTarget.directory(out, "demo", "a demo directory written by 'peft4j demo' (holding only what it wrote)").force(force).check();
        // Written beside --out and swapped in when complete: an earlier demo stays whole until then.
        target.replaceDirectory(this::run);
        return 0;
    }

    /** Refuses options the demo cannot run with before it spends a minute pretraining. */
    private void validate() {
        requireAtLeastOne("--pretrain-steps", pretrainSteps);
        requireAtLeastOne("--prefix-steps", prefixSteps);
        requireAtLeastOne("--prefix-length", prefixLength);
        requireAtLeastOne("--held-out", heldOut);
        int mostHeldOut = RestaurantWorld.RESTAURANTS - TRAINING_RESTAURANTS;
        if (heldOut > mostHeldOut) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "--held-out " + heldOut + " is more than the demo's world has: it has "
                    + RestaurantWorld.RESTAURANTS + " restaurants, " + TRAINING_RESTAURANTS + " of them for training; give at most " + mostHeldOut);
        }
        if (prefixLength >= POSITIONS) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "--prefix-length " + prefixLength + " leaves no room for text in the demo model's "
                    + POSITIONS + " positions; give at most " + (POSITIONS / 2));
        }
    }

    private static void requireAtLeastOne(String option, long value) {
        if (value < 1) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, option + " must be at least 1 (got " + value + ")");
        }
    }

    /** The demo, writing into {@code work}; what it prints names the paths under --out, where the result ends up. */
    private void run(Path work) {
        PrintWriter console = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RestaurantWorld world = new RestaurantWorld(seed);
        Path modelDirectory = work.resolve("model");
        AtomicFiles.createDirectories(modelDirectory);
        int vocabulary = WordTokenizer.write(modelDirectory, RestaurantWorld.words());
        try (NDManager manager = NDManager.newBaseManager()) {
            registry.backend("gpt2").writeRandomModel(modelDirectory, new RandomModelShape("tiny", OptionalInt.of(4), OptionalInt.of(128),
                    OptionalInt.of(4), OptionalInt.of(vocabulary), OptionalInt.of(POSITIONS)), seed, manager);
            console.printf(Locale.ROOT, "1/4  A random GPT-2 (4 layers, 128 wide, %d tokens) in %s%n", vocabulary, out.resolve("model"));
            try (ModelBackend model = registry.backend("gpt2").load(modelDirectory, manager)) {
                TextTokenizer tokenizer = model.tokenizer().orElseThrow();
                long eos = model.eosTokenIds().iterator().next();

                console.println("2/4  Teaching it the restaurant language (full training on template texts)");
                List<TrainingExample> corpus = world.corpus(3000).stream()
                        .map(text -> new TrainingExample(new long[] {eos}, append(tokenizer.encode(" " + text), eos))).toList();
                TrainingResult pretraining = new Trainer(model, BaseWeights.all(model), config(3e-3, pretrainSteps, Math.min(30, pretrainSteps / 10), 16), eos,
                        listeners(err, work.resolve("pretrain"))).train(corpus, List.of(), Optional.empty(), 0, directory -> { });
                report(work.resolve("pretrain"), "peft4j demo: pretraining", model, BaseWeights.all(model).parameters(), pretraining, Map.of(), List.of());
                // The pretrained language model replaces the random one on disk, for generate/train/predict afterwards.
                SafetensorsWriter.write(modelDirectory.resolve("model.safetensors"), model.baseParameters(), Map.of("format", "pt"));

                // Reloaded from the file just written, frozen, with the products in --frozen-precision.
                try (ModelBackend frozenModel = registry.backend("gpt2").load(modelDirectory, manager, frozen.precision())) {
                    Map<RestaurantWorld.Restaurant, List<String>> test = world.distinct(heldOut, Set.of());
                    Map<RestaurantWorld.Restaurant, List<String>> train = world.distinct(TRAINING_RESTAURANTS, test.keySet());
                    List<TrainingExample> pairs = new ArrayList<>();
                    train.forEach((restaurant, texts) -> texts.forEach(text -> pairs.add(CausalLmText.example(restaurant.meaning(), text, tokenizer, eos))));
                    List<String> before = generate(frozenModel, AdapterHooks.NONE, test, tokenizer, eos, manager);

                    console.printf(Locale.ROOT, "3/4  Freezing it and prefix-tuning %d virtual tokens on %d meaning -> text pairs%n", prefixLength, pairs.size());
                    String frozenBefore = fingerprint(frozenModel.baseParameters());
                    ParameterEfficientAdapter prefix = registry.adapter("prefix").create(Map.of("length", Integer.toString(prefixLength), "mlp-width", "256"),
                            new AdapterContext(frozenModel, manager, seed));
                    TrainingResult tuning = new Trainer(frozenModel, Trainer.Trainable.of(prefix), config(1e-2, prefixSteps, 0, 16), eos,
                            listeners(err, work.resolve("prefix"))).train(pairs, List.of(), Optional.empty(), 0, directory -> { });
                    boolean frozen = fingerprint(frozenModel.baseParameters()).equals(frozenBefore);

                    console.printf(Locale.ROOT, "4/4  Generating for %d held-out inputs%n", test.size());
                    List<String> after;
                    try (NDManager pass = manager.newSubManager()) {
                        after = generate(frozenModel, prefix.hooks(new ForwardContext(pass, 1, false)), test, tokenizer, eos, pass);
                    }
                    List<List<String>> references = new ArrayList<>(test.values());
                    double bleuBefore = 100 * MtevalBleu.score(before, references).bleu();
                    double bleuAfter = 100 * MtevalBleu.score(after, references).bleu();
                    List<RestaurantWorld.Restaurant> inputs = new ArrayList<>(test.keySet());
                    double completeBefore = complete(inputs, before);
                    double completeAfter = complete(inputs, after);
                    prefix.export(work.resolve("prefix/adapter"));

                    List<GeneratedSample> samples = new ArrayList<>();
                    for (int i = 0; i < Math.min(3, inputs.size()); i++) {
                        console.printf(Locale.ROOT, "%n  input:   %s%n  before:  %s%n  after:   %s%n", inputs.get(i).meaning(), before.get(i), after.get(i));
                    }
                    for (int i = 0; i < Math.min(10, inputs.size()); i++) {
                        samples.add(new GeneratedSample(inputs.get(i).meaning(), references.get(i).get(0), after.get(i)));
                    }
                    Map<String, String> results = new LinkedHashMap<>();
                    results.put("BLEU before prefix-tuning", String.format(Locale.ROOT, "%.1f", bleuBefore));
                    results.put("BLEU after prefix-tuning", String.format(Locale.ROOT, "%.1f", bleuAfter));
                    results.put("outputs stating every fact, before", String.format(Locale.ROOT, "%.0f%%", completeBefore));
                    results.put("outputs stating every fact, after", String.format(Locale.ROOT, "%.0f%%", completeAfter));
                    results.put("frozen model unchanged by prefix-tuning", frozen ? "yes (bit for bit)" : "NO");
                    results.put("exported prefix parameters", String.format(Locale.ROOT, "%,d", prefix.exportedParameterCount()));
                    Path report = report(work.resolve("prefix"), "peft4j demo: prefix-tuning", frozenModel, prefix.trainableParameters(), tuning, results, samples);

                    console.printf(Locale.ROOT, "%nOn %d held-out inputs, before -> after prefix-tuning:%n  BLEU %.1f -> %.1f%n"
                            + "  outputs stating every fact of their input %.0f%% -> %.0f%%%n"
                            + "  %s parameters trained (%s kept after export); the frozen model %s%n",
                            test.size(), bleuBefore, bleuAfter, completeBefore, completeAfter, String.format(Locale.ROOT, "%,d", count(prefix.trainableParameters())),
                            String.format(Locale.ROOT, "%,d", prefix.exportedParameterCount()), frozen ? "is bit-for-bit unchanged" : "CHANGED");
                    console.printf(Locale.ROOT, "Report: %s%nNext: the same on a real GPT-2 and E2E, see docs/getting-started.md; try%n"
                            + "  ./peft4j generate --model %s --adapter %s --source \"name : The Eagle | Type : pub | food : French | area : riverside | price : cheap\" --beams 4%n",
                            out.resolve(work.relativize(report)), out.resolve("model"), out.resolve("prefix/adapter"));
                    prefix.close();
                    if (!frozen) {
                        throw new PeftException(StandardErrorCode.INTERNAL_ERROR, "prefix-tuning changed the frozen model's weights");
                    }
                }
            }
        }
    }

    private static TrainingConfig config(double learningRate, long steps, long warmup, int batchSize) {
        return new TrainingConfig(learningRate, TrainingConfig.Schedule.LINEAR, warmup, 1, OptionalLong.of(steps), batchSize, 1, 1.0, 0, true, 1, 0, 0);
    }

    private static List<TrainingListener> listeners(PrintWriter err, Path run) {
        AtomicFiles.createDirectories(run);
        return List.of(new ProgressBar(err, System.console() != null, 100), new MetricsLog(run));
    }

    /** Beam search (beam 4, 5 to 40 new tokens, as the paper decodes table-to-text) for every input in one batch. */
    private static List<String> generate(ModelBackend model, AdapterHooks hooks, Map<RestaurantWorld.Restaurant, List<String>> inputs,
            TextTokenizer tokenizer, long eos, NDManager manager) {
        GenerationConfig beam = GenerationConfig.beamSearch(4, 40).withMinNewTokens(5).withEosTokenIds(eos).withPadTokenId(eos);
        List<String> sources = inputs.keySet().stream().map(RestaurantWorld.Restaurant::meaning).toList();
        return SourceDecoding.generate(model, hooks, sources, tokenizer, eos, beam, sources.size(), manager, done -> { });
    }

    private static Path report(Path run, String title, ModelBackend model, Map<String, NDArray> trained, TrainingResult result,
            Map<String, String> results, List<GeneratedSample> samples) {
        Map<String, String> facts = new LinkedHashMap<>();
        long base = count(model.baseParameters());
        facts.put("base parameters", String.format(Locale.ROOT, "%,d", base));
        facts.put("trained parameters", String.format(Locale.ROOT, "%,d (%.2f%% of the base)", count(trained), 100.0 * count(trained) / base));
        facts.put("steps", Long.toString(result.steps()));
        facts.put("last training loss", RunReport.number(result.lastLoss()));
        facts.putAll(results);
        return RunReport.write(run, title, facts, samples);
    }

    /** The share of outputs that state every fact of their input, in percent. */
    private static double complete(List<RestaurantWorld.Restaurant> inputs, List<String> outputs) {
        long complete = 0;
        for (int i = 0; i < inputs.size(); i++) {
            complete += RestaurantWorld.statesEverything(inputs.get(i), outputs.get(i)) ? 1 : 0;
        }
        return 100.0 * complete / inputs.size();
    }

    private static long count(Map<String, NDArray> parameters) {
        return parameters.values().stream().mapToLong(NDArray::size).sum();
    }

    /** A digest of every weight's bytes: equal digests mean bit-identical weights. */
    private static String fingerprint(Map<String, NDArray> weights) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            weights.forEach((name, array) -> {
                digest.update(name.getBytes(StandardCharsets.UTF_8));
                digest.update(array.toByteBuffer());
            });
            return HexFormat.of().formatHex(digest.digest());
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long[] append(long[] ids, long id) {
        long[] longer = Arrays.copyOf(ids, ids.length + 1);
        longer[ids.length] = id;
        return longer;
    }
}
