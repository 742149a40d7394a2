package io.github.peft4j.model.bart;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.core.generation.GenerationConfig;
import io.github.peft4j.core.model.ConfigJson;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * How a BART model directory asks to be decoded, as Hugging Face's {@code generate} reads it: from
 * {@code generation_config.json} when the directory has one, else from the generation keys of
 * {@code config.json} (Hugging Face's {@code GenerationConfig.from_model_config}); special token ids missing from
 * {@code generation_config.json} come from {@code config.json}, as {@code generate} falls back to the model's
 * config. Missing options take Hugging Face's defaults.
 *
 * <p>Lengths follow Hugging Face: {@code max_length} and {@code min_length} count the decoder's whole sequence,
 * its start token included, so with the one-token decoder prompt {@link #decoderPrompt()} they are
 * {@code maxNewTokens + 1} and {@code minNewTokens + 1}. {@code early_stopping: "never"} is read as false
 * (peft4j's beam search has the heuristic stop of {@code false} only).
 *
 * @param decoderStartTokenId the decoder's first token ({@code decoder_start_token_id}; {@code </s>} for BART)
 * @param forcedBosTokenId {@code forced_bos_token_id}: the token forced after the start token ({@code <s>})
 * @param forcedEosTokenId {@code forced_eos_token_id}: the token forced at the last possible step
 * @param maxNewTokens {@code max_new_tokens}, which overrides {@code max_length} when present
 * @param minNewTokens {@code min_new_tokens}, which overrides {@code min_length} when present
 */
public record BartGenerationDefaults(
        long bosTokenId,
        long decoderStartTokenId,
        Set<Long> eosTokenIds,
        long padTokenId,
        OptionalLong forcedBosTokenId,
        OptionalLong forcedEosTokenId,
        int numBeams,
        int maxLength,
        OptionalInt maxNewTokens,
        int minLength,
        OptionalInt minNewTokens,
        double lengthPenalty,
        boolean earlyStopping,
        int noRepeatNgramSize) {
    public static final String FILE_NAME = "generation_config.json";
    private static final int DEFAULT_MAX_LENGTH = 20;

    public BartGenerationDefaults {
        eosTokenIds = Set.copyOf(new TreeSet<>(requireNonNull(eosTokenIds, "eosTokenIds")));
        requireNonNull(forcedBosTokenId, "forcedBosTokenId");
        requireNonNull(forcedEosTokenId, "forcedEosTokenId");
        requireNonNull(maxNewTokens, "maxNewTokens");
        requireNonNull(minNewTokens, "minNewTokens");
        if (numBeams < 1) {
            throw BartConfig.invalid("\"num_beams\" must be at least 1, got " + numBeams);
        }
        if (maxNewTokens.isEmpty() && maxLength < 2) {
            throw BartConfig.invalid("\"max_length\" must be at least 2 (the decoder start token and one new token), got " + maxLength);
        }
        if (maxNewTokens.isPresent() && maxNewTokens.getAsInt() < 1) {
            throw BartConfig.invalid("\"max_new_tokens\" must be at least 1, got " + maxNewTokens.getAsInt());
        }
        if (minLength < 0 || minNewTokens.isPresent() && minNewTokens.getAsInt() < 0) {
            throw BartConfig.invalid("\"min_length\" and \"min_new_tokens\" must be >= 0");
        }
        if (!Double.isFinite(lengthPenalty)) {
            throw BartConfig.invalid("\"length_penalty\" must be a finite number, got " + lengthPenalty);
        }
        if (noRepeatNgramSize < 0) {
            throw BartConfig.invalid("\"no_repeat_ngram_size\" must be >= 0, got " + noRepeatNgramSize);
        }
    }

    /** What {@code BartConfig} itself implies: BART's forced {@code <s>} and {@code </s>}, everything else default. */
    public static BartGenerationDefaults of(BartConfig config) {
        return new BartGenerationDefaults(config.bosTokenId(), config.decoderStartTokenId(), Set.of(config.eosTokenId()), config.padTokenId(),
                OptionalLong.of(config.bosTokenId()), OptionalLong.of(config.eosTokenId()), 1, DEFAULT_MAX_LENGTH, OptionalInt.empty(), 0,
                OptionalInt.empty(), 1.0, false, 0);
    }

    /** Reads the generation defaults of a model directory (see the class comment for where each comes from). */
    public static BartGenerationDefaults read(Path modelDirectory) {
        Path configFile = modelDirectory.resolve(BartConfig.FILE_NAME);
        if (!Files.isRegularFile(configFile)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "Model directory " + modelDirectory + " has no " + BartConfig.FILE_NAME
                    + "; point --model at a Hugging Face model directory");
        }
        JsonNode model = ConfigJson.readObject(configFile);
        Path generationFile = modelDirectory.resolve(FILE_NAME);
        boolean separate = Files.isRegularFile(generationFile);
        Path file = separate ? generationFile : configFile;
        JsonNode generation = separate ? ConfigJson.readObject(generationFile) : model;
        try {
            long eos = tokenId(generation, model, "eos_token_id", 2);
            BartGenerationDefaults defaults = new BartGenerationDefaults(
                    tokenId(generation, model, "bos_token_id", 0),
                    tokenId(generation, model, "decoder_start_token_id", 2),
                    tokenIds(generation.has("eos_token_id") ? generation : model, "eos_token_id", eos),
                    tokenId(generation, model, "pad_token_id", 1),
                    optionalTokenId(generation, "forced_bos_token_id"),
                    optionalTokenId(generation, "forced_eos_token_id"),
                    intValue(generation, "num_beams", 1),
                    intValue(generation, "max_length", DEFAULT_MAX_LENGTH),
                    optionalInt(generation, "max_new_tokens"),
                    intValue(generation, "min_length", 0),
                    optionalInt(generation, "min_new_tokens"),
                    doubleValue(generation, "length_penalty", 1.0),
                    earlyStopping(generation),
                    intValue(generation, "no_repeat_ngram_size", 0));
            defaults.checkVocabulary(model);
            return defaults;
        }
        catch (PeftException e) {
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses token ids beyond config.json's {@code vocab_size} here, where the message can name the JSON key,
     * rather than when decoding meets them.
     */
    private void checkVocabulary(JsonNode model) {
        JsonNode vocab = model.get("vocab_size");
        if (vocab == null || !vocab.canConvertToLong()) {
            return; // BartConfig refuses a missing or malformed vocab_size, naming config.json.
        }
        long vocabSize = vocab.asLong();
        Map<String, List<Long>> idsByKey = new LinkedHashMap<>();
        idsByKey.put("bos_token_id", List.of(bosTokenId));
        idsByKey.put("decoder_start_token_id", List.of(decoderStartTokenId));
        idsByKey.put("eos_token_id", List.copyOf(new TreeSet<>(eosTokenIds)));
        idsByKey.put("pad_token_id", List.of(padTokenId));
        forcedBosTokenId.ifPresent(id -> idsByKey.put("forced_bos_token_id", List.of(id)));
        forcedEosTokenId.ifPresent(id -> idsByKey.put("forced_eos_token_id", List.of(id)));
        idsByKey.forEach((key, ids) -> ids.stream().filter(id -> id >= vocabSize).findFirst().ifPresent(id -> {
            throw BartConfig.invalid("\"" + key + "\" is " + id + ", outside the model's vocabulary of " + vocabSize
                    + " tokens (vocab_size in config.json): use an id below " + vocabSize);
        }));
    }

    /** The decoder prompt of every row: the decoder start token alone. */
    public long[] decoderPrompt() {
        return new long[] {decoderStartTokenId};
    }

    /**
     * These defaults as peft4j's generation options, for a decoder prompt of {@link #decoderPrompt()}: the lengths
     * become counts of new tokens, one return sequence.
     */
    public GenerationConfig toGenerationConfig() {
        int maxNew = maxNewTokens.orElse(maxLength - 1);
        int minNew = Math.min(maxNew, minNewTokens.orElse(Math.max(0, minLength - 1)));
        return GenerationConfig.DEFAULT
                .withNumBeams(numBeams)
                .withMaxNewTokens(maxNew)
                .withMinNewTokens(minNew)
                .withLengthPenalty(lengthPenalty)
                .withEarlyStopping(earlyStopping)
                .withNoRepeatNgramSize(noRepeatNgramSize)
                .withEosTokenIds(eosTokenIds.stream().mapToLong(Long::longValue).toArray())
                .withPadTokenId(padTokenId)
                .withForcedTokens(forcedBosTokenId, forcedEosTokenId);
    }

    /** As Hugging Face writes {@code generation_config.json}: the token ids, then only the options that are not default. */
    public String toJson() {
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("bos_token_id", bosTokenId);
        json.put("decoder_start_token_id", decoderStartTokenId);
        if (eosTokenIds.size() == 1) {
            json.put("eos_token_id", eosTokenIds.iterator().next());
        }
        else {
            ArrayNode ids = json.putArray("eos_token_id");
            new TreeSet<>(eosTokenIds).forEach(ids::add);
        }
        forcedBosTokenId.ifPresent(id -> json.put("forced_bos_token_id", id));
        forcedEosTokenId.ifPresent(id -> json.put("forced_eos_token_id", id));
        json.put("pad_token_id", padTokenId);
        if (numBeams != 1) {
            json.put("num_beams", numBeams);
        }
        if (maxLength != DEFAULT_MAX_LENGTH) {
            json.put("max_length", maxLength);
        }
        maxNewTokens.ifPresent(n -> json.put("max_new_tokens", n));
        if (minLength != 0) {
            json.put("min_length", minLength);
        }
        minNewTokens.ifPresent(n -> json.put("min_new_tokens", n));
        if (lengthPenalty != 1.0) {
            json.put("length_penalty", lengthPenalty);
        }
        if (earlyStopping) {
            json.put("early_stopping", true);
        }
        if (noRepeatNgramSize != 0) {
            json.put("no_repeat_ngram_size", noRepeatNgramSize);
        }
        return json.toPrettyString();
    }

    private static long tokenId(JsonNode generation, JsonNode model, String key, long fallback) {
        JsonNode source = generation.hasNonNull(key) ? generation : model;
        JsonNode value = source.get(key);
        if (value != null && value.isArray()) {
            return tokenIds(source, key, fallback).iterator().next();
        }
        return ConfigJson.tokenId(source, key, fallback);
    }

    private static Set<Long> tokenIds(JsonNode json, String key, long fallback) {
        JsonNode value = json.get(key);
        if (value == null || value.isNull()) {
            return Set.of(fallback);
        }
        if (!value.isArray()) {
            return Set.of(ConfigJson.tokenId(json, key, fallback));
        }
        Set<Long> ids = new TreeSet<>();
        for (JsonNode id : value) {
            if (!id.isIntegralNumber() || !id.canConvertToLong() || id.asLong() < 0) {
                throw BartConfig.invalid(String.format(Locale.ROOT, "\"%s\" must hold token ids (integers >= 0), got %s", key, value));
            }
            ids.add(id.asLong());
        }
        if (ids.isEmpty()) {
            throw BartConfig.invalid("\"" + key + "\" is an empty list");
        }
        return ids;
    }

    private static OptionalLong optionalTokenId(JsonNode json, String key) {
        JsonNode value = json.get(key);
        if (value == null || value.isNull()) {
            return OptionalLong.empty();
        }
        if (value.isArray()) {
            Set<Long> ids = tokenIds(json, key, 0);
            if (ids.size() != 1) {
                throw BartConfig.invalid("\"" + key + "\" lists " + ids.size() + " ids; peft4j forces one token");
            }
            return OptionalLong.of(ids.iterator().next());
        }
        return OptionalLong.of(ConfigJson.tokenId(json, key, 0));
    }

    private static int intValue(JsonNode json, String key, int fallback) {
        JsonNode value = json.get(key);
        return value == null || value.isNull() ? fallback : BartConfig.asInt(value, key);
    }

    private static OptionalInt optionalInt(JsonNode json, String key) {
        JsonNode value = json.get(key);
        return value == null || value.isNull() ? OptionalInt.empty() : OptionalInt.of(BartConfig.asInt(value, key));
    }

    private static double doubleValue(JsonNode json, String key, double fallback) {
        JsonNode value = json.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isNumber()) {
            throw BartConfig.invalid(String.format(Locale.ROOT, "\"%s\" must be a number, got %s", key, value));
        }
        return value.asDouble();
    }

    private static boolean earlyStopping(JsonNode json) {
        JsonNode value = json.get("early_stopping");
        if (value == null || value.isNull()) {
            return false;
        }
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        if (value.isTextual() && value.asText().equals("never")) {
            return false;
        }
        throw BartConfig.invalid("\"early_stopping\" must be true, false or \"never\", got " + value);
    }
}
