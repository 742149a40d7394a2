package io.github.peft4j.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.inject.Inject;
import io.github.peft4j.core.generation.GeneratedSequence;
import io.github.peft4j.core.generation.GenerationConfig;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.spi.TextTokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peft4j generate}: continue a prompt with greedy decoding or beam search. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt (text or token ids) with greedy decoding or beam search, optionally steered by a prefix.")
final class GenerateCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelLoader loader;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model directory.")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Prompt prompt;

    static final class Prompt {
        @Option(names = "--prompt", description = "Prompt text (needs the model's tokenizer files).")
        String text;

        @Option(names = "--ids", split = ",", converter = TokenIdConverter.class, description = "Prompt token ids, comma-separated.")
        long[] ids;

        @Option(names = "--source", description = "A source laid out as training and predict lay it out (' ' + source + ' <|endoftext|>'): "
                + "what an adapter trained on pairs expects.")
        String source;

        @Option(names = "--requests", paramLabel = "FILE.jsonl", description = "Many prompts, one JSON object per line: one of \"prompt\", \"source\" or "
                + "\"ids\", and optionally \"adapter\" (a NAME of --adapter/--prefix NAME=PATH). Prints one JSON line per request, in order.")
        Path requests;
    }

    @Option(names = "--beams", defaultValue = "1", description = "Beam size; 1 = greedy. Default: ${DEFAULT-VALUE}.")
    int beams;

    @Option(names = "--max-new-tokens", defaultValue = "20", description = "Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--min-new-tokens", defaultValue = "0", description = "End-of-sequence is banned before this many tokens. Default: ${DEFAULT-VALUE}.")
    int minNewTokens;

    @Option(names = "--length-penalty", defaultValue = "1.0", description = "Beam scores are divided by length^penalty. Default: ${DEFAULT-VALUE}.")
    double lengthPenalty;

    @Option(names = "--early-stopping", description = "Stop a beam search as soon as the beam holds enough finished sequences.")
    boolean earlyStopping;

    @Option(names = "--num-return", defaultValue = "1", description = "How many of the best sequences to print (at most --beams). Default: ${DEFAULT-VALUE}.")
    int numReturn;

    @Option(names = "--no-repeat-ngram", defaultValue = "0", description = "Never repeat an n-gram of this size; 0 = off. Default: ${DEFAULT-VALUE}.")
    int noRepeatNgram;

    @Option(names = "--ban-ids", split = ",", converter = TokenIdConverter.class, description = "Token ids never to generate (e.g. the newline's, as the paper does).")
    long[] bannedIds = new long[0];

    @Option(names = "--eos-ids", split = ",", converter = TokenIdConverter.class, description = "Token ids that end a sequence. Default: the model's eos_token_id.")
    long[] eosIds;

    @Option(names = "--batch-size", defaultValue = "8", description = "Requests decoded together (--requests); rows share a batch only when their"
            + " adapters' prefixes have one length. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Mixin
    AdapterOptions adapter;

    @Mixin
    FrozenPrecisionOption frozen;

    @Inject
    GenerateCommand(ModelLoader loader) {
        this.loader = loader;
    }

    @Override
    public Integer call() {
        List<GenerationRequest> requests = prompt.requests != null ? GenerationRequest.read(prompt.requests) : List.of(promptRequest());
        try (NDManager manager = NDManager.newBaseManager(); ModelBackend backend = loader.load(model, manager, frozen.precision())) {
            requireDecoderOnly(backend);
            boolean text = requests.stream().anyMatch(GenerationRequest::isText);
            Optional<TextTokenizer> tokenizer = text ? Optional.of(Tokenizers.require(backend, model)) : backend.tokenizer();
            List<long[]> prompts = requests.stream().map(request -> request.tokens(tokenizer, () -> endOfText(backend), backend.geometry(), maxNewTokens)).toList();
            long[] eos = eosIds != null ? eosIds : backend.eosTokenIds().stream().mapToLong(Long::longValue).toArray();
            long pad = eos.length > 0 ? eos[0] : 0;
            GenerationConfig config = GenerationConfig.DEFAULT
                    .withNumBeams(beams)
                    .withMaxNewTokens(maxNewTokens)
                    .withMinNewTokens(minNewTokens)
                    .withLengthPenalty(lengthPenalty)
                    .withEarlyStopping(earlyStopping)
                    .withNumReturnSequences(numReturn)
                    .withNoRepeatNgramSize(noRepeatNgram)
                    .withBannedTokenIds(bannedIds)
                    .withEosTokenIds(eos)
                    .withPadTokenId(pad);
            AdapterOptions.RowAdapters rowAdapters = prompt.requests != null
                    ? adapter.perRow(backend, manager, requests.stream().map(GenerationRequest::adapter).toList(), row -> requests.get(row).where())
                    : adapter.sameForEveryRow(backend, manager, 1);
            List<List<GeneratedSequence>> outputs = rowAdapters.mix().generate(backend, rowAdapters.choiceOfRow(), batchSize,
                    (rows, pass) -> SourceDecoding.leftPadded(IntStream.of(rows).mapToObj(prompts::get).toList(), pad, pass), config, manager, done -> { });
            if (prompt.requests != null) {
                printJsonLines(requests, outputs, tokenizer, eos);
            }
            else {
                print(outputs.get(0), tokenizer, eos);
            }
        }
        return 0;
    }

    /** Generation from a prompt is for decoder-only models; an encoder-decoder's sources are decoded by predict. */
    private void requireDecoderOnly(ModelBackend backend) {
        if (backend.geometry().isEncoderDecoder()) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "peft4j generate continues prompts of decoder-only models (e.g. GPT-2); "
                    + model + " is a " + backend.family() + " encoder-decoder model, whose sources 'peft4j predict' decodes: write them as lines"
                    + " {\"source\": \"...\", \"target\": \"\"} to DIR/test.jsonl and run 'peft4j predict --model " + model
                    + " --dataset jsonl --data DIR --out predictions.txt'");
        }
    }

    /** The prompt given by --prompt, --source or --ids, as a request for the default adapter. */
    private GenerationRequest promptRequest() {
        if (prompt.ids != null) {
            return new GenerationRequest("--ids", 0, GenerationRequest.Kind.IDS, "", prompt.ids, Optional.empty());
        }
        return prompt.text != null ? new GenerationRequest("--prompt", 0, GenerationRequest.Kind.PROMPT, prompt.text, new long[0], Optional.empty())
                : new GenerationRequest("--source", 0, GenerationRequest.Kind.SOURCE, prompt.source, new long[0], Optional.empty());
    }

    private static long endOfText(ModelBackend backend) {
        return backend.eosTokenIds().stream().findFirst().orElseThrow(() -> new PeftException(StandardErrorCode.MALFORMED_CONFIG,
                "The model names no eos_token_id, which --source puts after the source"));
    }

    private void print(List<GeneratedSequence> outputs, Optional<TextTokenizer> tokenizer, long[] eos) {
        PrintWriter out = spec.commandLine().getOut();
        for (GeneratedSequence output : outputs) {
            long[] tokens = withoutTrailingEos(output.tokens(), eos);
            String text = tokenizer.map(t -> t.decode(tokens))
                    .orElseGet(() -> Arrays.stream(tokens).mapToObj(Long::toString).collect(Collectors.joining(",")));
            out.println(outputs.size() > 1 ? String.format(Locale.ROOT, "[%.4f] %s", output.score(), text) : text);
        }
    }

    /**
     * One JSON object per request, in the requests' order: {@code {"line", "adapter", "outputs": [{"ids", "text",
     * "score"}]}}, the best output first, "text" only when the model has a tokenizer.
     */
    private void printJsonLines(List<GenerationRequest> requests, List<List<GeneratedSequence>> outputs, Optional<TextTokenizer> tokenizer, long[] eos) {
        PrintWriter out = spec.commandLine().getOut();
        for (int row = 0; row < requests.size(); row++) {
            ObjectNode line = JSON.createObjectNode();
            line.put("line", requests.get(row).line());
            line.put("adapter", requests.get(row).adapter().orElse(null));
            ArrayNode best = line.putArray("outputs");
            for (GeneratedSequence output : outputs.get(row)) {
                long[] tokens = withoutTrailingEos(output.tokens(), eos);
                ObjectNode sequence = best.addObject();
                LongStream.of(tokens).forEach(sequence.putArray("ids")::add);
                tokenizer.ifPresent(t -> sequence.put("text", t.decode(tokens)));
                sequence.put("score", output.score());
            }
            out.println(line);
        }
    }

    private static long[] withoutTrailingEos(long[] tokens, long[] eos) {
        if (tokens.length > 0 && Arrays.stream(eos).anyMatch(id -> id == tokens[tokens.length - 1])) {
            return Arrays.copyOf(tokens, tokens.length - 1);
        }
        return tokens;
    }
}
