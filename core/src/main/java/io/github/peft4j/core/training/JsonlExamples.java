package io.github.peft4j.core.training;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.peft4j.core.io.StrictJson;
import io.github.peft4j.core.io.TextFiles;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.spi.TextTokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads training pairs from JSON Lines: {@code {"source": ..., "target": ...}} per line, each side either text or
 * a list of token ids. Ids are used as they are (the golden protocol). Text is laid out as Li &amp; Liang's GPT-2
 * code does ({@link CausalLmText}): the source with its separator unscored, the target with its end-of-text
 * scored, so that generation learns where to stop. Blank lines are skipped. Every row is checked as it is read:
 * token ids are whole numbers from 0 (never wrapped or rounded) and, given the model's {@link TokenLimits}, below its
 * vocabulary size and short enough for its positions; a bad row is refused naming {@code file:line}.
 */
public final class JsonlExamples {
    private JsonlExamples() {}

    /** The examples of a file, checked against the model that will read them. */
    public static List<TrainingExample> read(Path file, Optional<TextTokenizer> tokenizer, long eosId, TokenLimits limits) {
        return read(file, tokenizer, eosId, Optional.of(limits));
    }

    /** The examples of a file, for a caller without a model at hand: ids are checked to be token ids, not against a vocabulary. */
    public static List<TrainingExample> read(Path file, Optional<TextTokenizer> tokenizer, long eosId) {
        return read(file, tokenizer, eosId, Optional.empty());
    }

    private static List<TrainingExample> read(Path file, Optional<TextTokenizer> tokenizer, long eosId, Optional<TokenLimits> limits) {
        List<TrainingExample> examples = new ArrayList<>();
        try (BufferedReader reader = TextFiles.open(file)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (!line.isBlank()) {
                    TrainingExample example = parse(file, number, line, tokenizer, eosId);
                    String where = file + ":" + number;
                    limits.ifPresent(model -> model.check(example, where));
                    examples.add(example);
                }
            }
        }
        catch (IOException e) {
            throw TextFiles.readFailure(file, "data file", e);
        }
        if (examples.isEmpty()) {
            throw new PeftException(StandardErrorCode.MALFORMED_DATASET, "Data file " + file + " has no examples");
        }
        return examples;
    }

    private static TrainingExample parse(Path file, int number, String line, Optional<TextTokenizer> tokenizer, long eosId) {
        JsonNode row = StrictJson.readLine(line, problem -> bad(file, number, problem));
        if (row == null || !row.isObject() || !row.has("source") || !row.has("target")) {
            throw bad(file, number, "must be an object with \"source\" and \"target\"");
        }
        JsonNode source = row.get("source");
        JsonNode target = row.get("target");
        if (source.isArray() && target.isArray()) {
            return example(file, number, ids(file, number, "source", source), ids(file, number, "target", target));
        }
        if (source.isTextual() && target.isTextual()) {
            TextTokenizer text = tokenizer.orElseThrow(() -> bad(file, number,
                    "holds text, but the model has no tokenizer files; give token ids or add tokenizer.json to the model"));
            return CausalLmText.example(source.asText(), target.asText(), text, eosId);
        }
        throw bad(file, number, "must give \"source\" and \"target\" both as text or both as lists of token ids");
    }

    private static TrainingExample example(Path file, int number, long[] source, long[] target) {
        // An empty source leaves the first target token with nothing to be predicted from (and an encoder with no input).
        if (source.length == 0) {
            throw bad(file, number, "has an empty \"source\": give at least one token id (e.g. the end-of-text id as a start token)");
        }
        if (target.length == 0) {
            throw bad(file, number, "has an empty \"target\": give at least one token id to learn");
        }
        return new TrainingExample(source, target);
    }

    private static long[] ids(Path file, int number, String side, JsonNode array) {
        long[] ids = new long[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = array.get(i);
            int item = i + 1;
            TokenIds.problem(id).ifPresent(problem -> {
                throw bad(file, number, "has a \"" + side + "\" whose item " + item + " is not a token id: " + problem);
            });
            ids[i] = TokenIds.of(id);
        }
        return ids;
    }

    private static PeftException bad(Path file, int number, String problem) {
        return new PeftException(StandardErrorCode.MALFORMED_DATASET, file + ":" + number + ": the row " + problem);
    }
}
