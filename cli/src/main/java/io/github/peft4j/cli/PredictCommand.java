package io.github.peft4j.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.inject.Inject;
import io.github.peft4j.core.generation.GenerationConfig;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.io.OutputTarget;
import io.github.peft4j.core.io.IoErrors;
import io.github.peft4j.core.io.TextFiles;
import io.github.peft4j.datasets.Datasets;
import io.github.peft4j.datasets.EvaluationItem;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.spi.TextTokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peft4j predict}: beam search over every distinct source of a dataset split. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate one output per distinct source of a dataset split (in order of first appearance, the form",
                "'peft4j evaluate' reads), with the paper's decoding settings as defaults: beam 5, 5 to 100 new tokens, newlines",
                "banned, output cut at the end-of-text token."})
final class PredictCommand implements Callable<Integer> {
    private final ModelLoader loader;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model directory (with tokenizer files).")
    Path model;

    @Mixin
    AdapterOptions adapter;

    @Mixin
    FrozenPrecisionOption frozen;

    @Option(names = "--dataset", required = true, description = "e2e, webnlg, dart, xsum or jsonl.")
    String dataset;

    @Option(names = "--split", defaultValue = "test", description = "train, dev or test. Default: ${DEFAULT-VALUE}.")
    String split;

    @Option(names = "--data", required = true, description = "The dataset's directory.")
    Path data;

    @Option(names = "--out", required = true, description = "Predictions file to write, one line per source (atomically); an existing file is refused unless --force.")
    Path out;

    @Option(names = "--force", description = "Replace an existing --out file (never a directory, nor a file inside the model or data directory).")
    boolean force;

    @Option(names = "--beams", defaultValue = "5", description = "Default: ${DEFAULT-VALUE}.")
    int beams;

    @Option(names = "--max-new-tokens", defaultValue = "100", description = "Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--min-new-tokens", defaultValue = "5", description = "Default: ${DEFAULT-VALUE}.")
    int minNewTokens;

    @Option(names = "--length-penalty", defaultValue = "1.0", description = "Default: ${DEFAULT-VALUE}.")
    double lengthPenalty;

    @Option(names = "--no-repeat-ngram", defaultValue = "0", description = "Default: ${DEFAULT-VALUE} (off).")
    int noRepeatNgram;

    @Option(names = "--allow-newlines", description = "Do not ban the tokens that are newlines.")
    boolean allowNewlines;

    @Option(names = "--batch-size", defaultValue = "8", description = "Sources decoded together. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--limit", description = "Only the first N sources (a quick look).")
    Integer limit;

    @Option(names = "--row-adapters", paramLabel = "FILE", description = "Per-row adapters: line i names the adapter (a NAME of --adapter/--prefix"
            + " NAME=PATH) for the split's item i, in the output's order; an empty line takes the unnamed adapter (or none).")
    Path rowAdapters;

    @Inject
    PredictCommand(ModelLoader loader) {
        this.loader = loader;
    }

    @Override
    public Integer call() {
        // Checked before anything is read or loaded: a count below 1 would write an empty file or break the slicing.
        if (limit != null && limit < 1) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "--limit must be at least 1 (the number of sources to predict), got " + limit
                    + ": leave --limit out to predict every source");
        }
        if (batchSize < 1) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "--batch-size must be at least 1, got " + batchSize);
        }
        adapter.protectedIn(OutputTarget.file(out, null, file -> false).force(force).protecting("the model directory", model)
                .protecting("the data directory", data).protecting("the per-row adapter file (--row-adapters)", rowAdapters)).check();
        List<EvaluationItem> items = Datasets.read(dataset, data, split).evaluationItems();
        List<Optional<String>> adapterNames = rowAdapters == null ? null : adapterNames(items.size());
        if (limit != null) {
            items = items.subList(0, Math.min(limit, items.size()));
        }
        PrintWriter err = spec.commandLine().getErr();
        try (NDManager manager = NDManager.newBaseManager(); ModelBackend backend = loader.load(model, manager, frozen.precision())) {
            TextTokenizer tokenizer = Tokenizers.require(backend, model);
            long eos = backend.eosTokenIds().stream().findFirst().orElseThrow(() -> new PeftException(
                    StandardErrorCode.MALFORMED_CONFIG, model + "/config.json names no eos_token_id, which ends every output"));
            GenerationConfig config = GenerationConfig.DEFAULT.withNumBeams(beams).withMaxNewTokens(maxNewTokens).withMinNewTokens(minNewTokens)
                    .withLengthPenalty(lengthPenalty).withNoRepeatNgramSize(noRepeatNgram).withEosTokenIds(eos).withPadTokenId(eos)
                    .withBannedTokenIds(allowNewlines ? new long[0] : SourceDecoding.newlineTokens(tokenizer));
            if (backend.geometry().isEncoderDecoder()) {
                // The model's forced first and last tokens (BART's <s> and </s>), as its generation defaults name them.
                config = config.withPadTokenId(backend.specialTokens().pad().orElse(eos))
                        .withForcedTokens(forcedToken(model, "forced_bos_token_id"), forcedToken(model, "forced_eos_token_id"));
            }
            long started = System.nanoTime();
            List<String> sources = items.stream().map(EvaluationItem::source).toList();
            AdapterOptions.RowAdapters rows = adapterNames == null ? adapter.sameForEveryRow(backend, manager, sources.size())
                    : adapter.perRow(backend, manager, adapterNames.subList(0, sources.size()), row -> rowAdapters + " line " + (row + 1));
            List<String> predictions = SourceDecoding.generate(backend, rows.mix(), rows.choiceOfRow(), sources, tokenizer, eos, config, batchSize, manager,
                    done -> progress(err, done, sources.size(), started));
            AtomicFiles.writeString(out, predictions.isEmpty() ? "" : String.join("\n", predictions) + "\n");
            spec.commandLine().getOut().printf(Locale.ROOT, "Wrote %d predictions to %s%n", predictions.size(), out);
        }
        return 0;
    }

    /** Per item of the split (before --limit), the adapter that its --row-adapters line names; empty for an empty line. */
    private List<Optional<String>> adapterNames(int items) {
        List<String> lines = TextFiles.readLines(rowAdapters, "--row-adapters file");
        if (lines.size() != items) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, rowAdapters + " has " + lines.size() + " lines but the " + split + " split has "
                    + items + " items; give one adapter name (or an empty line) per item, in the order predict writes them");
        }
        return lines.stream().map(String::strip).map(name -> name.isEmpty() ? Optional.<String>empty() : Optional.of(name)).toList();
    }

    /**
     * A token id the model's {@code generation_config.json} (else its {@code config.json}) names under {@code key}, as
     * Hugging Face's {@code GenerationConfig.from_pretrained} reads it; empty when neither names one.
     */
    static OptionalLong forcedToken(Path model, String key) {
        for (String name : List.of("generation_config.json", "config.json")) {
            Path file = model.resolve(name);
            if (Files.isRegularFile(file)) {
                try {
                    JsonNode value = new ObjectMapper().readTree(file.toFile()).get(key);
                    return value != null && value.canConvertToLong() ? OptionalLong.of(value.asLong()) : OptionalLong.empty();
                }
                catch (JsonProcessingException e) {
                    throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, file + (e.getLocation() == null ? "" : ":" + e.getLocation().getLineNr()) + ": is not valid JSON ("
                            + e.getOriginalMessage() + "); fix or remove the file", e);
                }
                catch (IOException e) {
                    throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, "Cannot read " + file + ": " + IoErrors.describe(e), e);
                }
            }
        }
        return OptionalLong.empty();
    }

    private static void progress(PrintWriter err, int done, int total, long started) {
        double seconds = (System.nanoTime() - started) / 1e9;
        double rate = done / Math.max(seconds, 1e-9);
        err.printf(Locale.ROOT, "predicted %d/%d sources (%.2f/s, ETA %.0fs)%n", done, total, rate, (total - done) / Math.max(rate, 1e-9));
        err.flush();
    }
}
