package io.github.peft4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.peft4j.core.io.StrictJson;
import io.github.peft4j.core.io.TextFiles;
import io.github.peft4j.core.training.CausalLmText;
import io.github.peft4j.core.training.TokenIds;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.spi.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * One prompt for {@code peft4j generate}: given by {@code --prompt}, {@code --source} or {@code --ids}, or one line of a
 * {@code --requests} file, which may also name the adapter that steers it.
 *
 * @param where how messages name this request, e.g. {@code requests.jsonl line 3}
 * @param line the request's line in its file; 0 for a prompt given by an option
 * @param kind how the prompt is given
 * @param text the prompt or source text ({@link Kind#PROMPT}, {@link Kind#SOURCE}); empty for ids
 * @param ids the token ids ({@link Kind#IDS}); empty for text
 * @param adapter the name of the adapter for this request; empty for the default
 */
record GenerationRequest(String where, int line, Kind kind, String text, long[] ids, Optional<String> adapter) {
    private static final Set<String> FIELDS = Set.of("prompt", "source", "ids", "adapter");

    /** How a request gives its prompt, named as in a requests file. */
    enum Kind {
        /** Text encoded as it is. */
        PROMPT,
        /** A source laid out as training does ({@link CausalLmText#prompt}). */
        SOURCE,
        /** Token ids. */
        IDS;

        String field() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The requests of a JSON Lines file, one object per non-blank line: exactly one of {@code "prompt"} (text),
     * {@code "source"} (text) or {@code "ids"} (a list of token ids), and optionally {@code "adapter"} (a name).
     */
    static List<GenerationRequest> read(Path file) {
        List<String> lines = TextFiles.readLines(file, "requests file");
        List<GenerationRequest> requests = new ArrayList<>();
        for (int index = 0; index < lines.size(); index++) {
            if (!lines.get(index).isBlank()) {
                requests.add(parse(lines.get(index), file + " line " + (index + 1), index + 1));
            }
        }
        if (requests.isEmpty()) {
            throw new PeftException(StandardErrorCode.MALFORMED_DATASET, file + " holds no requests; give one JSON object per line, e.g. {\"prompt\": \"Hello\", \"adapter\": \"a\"}");
        }
        return requests;
    }

    private static GenerationRequest parse(String text, String where, int line) {
        JsonNode json = StrictJson.readLine(text, problem -> malformed(where, problem));
        if (json == null || !json.isObject()) {
            throw malformed(where, "is not a JSON object");
        }
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw malformed(where, "has the unknown field \"" + name + "\"; a request has " + FIELDS);
            }
        }
        List<Kind> given = Arrays.stream(Kind.values()).filter(kind -> json.has(kind.field())).toList();
        if (given.size() != 1) {
            throw malformed(where, "needs exactly one of \"prompt\", \"source\" or \"ids\"");
        }
        Kind kind = given.get(0);
        JsonNode value = json.get(kind.field());
        if (kind == Kind.IDS ? !value.isArray() : !value.isTextual()) {
            throw malformed(where, "has a \"" + kind.field() + "\" that is not " + (kind == Kind.IDS ? "a list of token ids" : "text"));
        }
        long[] ids = new long[value.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = value.get(i);
            TokenIds.problem(id).ifPresent(problem -> {
                throw malformed(where, "has an \"ids\" item that is not a token id: " + problem);
            });
            ids[i] = TokenIds.of(id);
        }
        JsonNode adapter = json.get("adapter");
        if (adapter != null && !adapter.isNull() && !adapter.isTextual()) {
            throw malformed(where, "has an \"adapter\" that is not a name");
        }
        Optional<String> adapterName = adapter == null || adapter.isNull() ? Optional.empty() : Optional.of(adapter.asText());
        return new GenerationRequest(where, line, kind, kind == Kind.IDS ? "" : value.asText(), ids, adapterName);
    }

    private static PeftException malformed(String where, String problem) {
        return new PeftException(StandardErrorCode.MALFORMED_DATASET, where + " " + problem);
    }

    boolean isText() {
        return kind != Kind.IDS;
    }

    /**
     * The prompt's token ids, checked against the model's vocabulary and positions.
     *
     * @param tokenizer present whenever {@link #isText()}
     * @param endOfText the id a source ends with
     * @param maxNewTokens the most tokens generation may add after the prompt
     */
    long[] tokens(Optional<TextTokenizer> tokenizer, LongSupplier endOfText, ModelGeometry model, int maxNewTokens) {
        long[] tokens = switch (kind) {
            case PROMPT -> tokenizer.orElseThrow().encode(text);
            case SOURCE -> CausalLmText.prompt(text, tokenizer.orElseThrow(), endOfText.getAsLong());
            case IDS -> ids.clone();
        };
        if (tokens.length == 0) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, where + ": the prompt is empty; give at least one token");
        }
        for (long id : tokens) {
            if (id < 0 || id >= model.vocabSize()) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, where + ": token id " + id + " is outside the model's vocabulary [0, "
                        + model.vocabSize() + "): use ids of this model's tokenizer ('peft4j tokenize')");
            }
        }
        if (tokens.length >= model.maxPositions()) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, where + ": the prompt has " + tokens.length + " tokens, which leaves no room"
                    + " for new tokens in the model's " + model.maxPositions() + " positions: shorten it");
        }
        // Checked here too (the generator checks the whole batch again, with any prefix's positions) to name the request.
        long needed = tokens.length + (long) maxNewTokens - 1;
        if (needed > model.maxPositions()) {
            long fit = model.maxPositions() - tokens.length + 1L;
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, String.format(Locale.ROOT, "%s: up to %d new tokens (--max-new-tokens) after"
                    + " a %d-token prompt need %d positions, but the model has %d: at most %d new tokens fit; lower --max-new-tokens to %d or"
                    + " shorten the prompt", where, maxNewTokens, tokens.length, needed, model.maxPositions(), fit, fit));
        }
        return tokens;
    }
}
