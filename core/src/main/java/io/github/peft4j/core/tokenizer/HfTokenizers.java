package io.github.peft4j.core.tokenizer;

import static java.util.Objects.requireNonNull;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.peft4j.core.io.IoErrors;
import io.github.peft4j.core.io.StrictJson;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.TreeSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Loads the tokenizer of a Hugging Face model directory of the GPT-2 or BART/RoBERTa family.
 *
 * <p>{@value TokenizerFiles#TOKENIZER_JSON} is used when present. Otherwise {@value TokenizerFiles#VOCAB_JSON} +
 * {@value TokenizerFiles#MERGES_TXT} are turned, in memory, into the {@code tokenizer.json} that Hugging Face's
 * converter makes of them: ByteLevel pre-tokenizer (no prefix space, GPT-2's split regex), BPE model, ByteLevel
 * decoder, and {@code <|endoftext|>}, {@code <s>}, {@code </s>}, {@code <pad>}, {@code <unk>}, {@code <mask>} as
 * special tokens when the vocabulary has them ({@code <mask>} absorbs the space before it, as in BART/RoBERTa).
 *
 * <p>Nothing is downloaded: only local files are read and the tokenizer is built from their content. DJL's usage
 * reporting stays off when {@code ai.djl.offline=true} or {@code OPT_OUT_TRACKING=true} is set, as peft4j's
 * launchers and tests do.
 */
public final class HfTokenizers {
    /** What peft4j needs: the ids of the text alone, however long. */
    private static final Map<String, String> OPTIONS = Map.of(
            "addSpecialTokens", "false",
            "truncation", "false",
            "padding", "false");
    private static final String VERSION_HEADER = "#version";

    private HfTokenizers() {}

    /**
     * The tokenizer of {@code modelDir}, or empty when it has neither {@code tokenizer.json} nor
     * {@code vocab.json}/{@code merges.txt}. The caller owns the result and closes it.
     *
     * @throws PeftException {@link StandardErrorCode#FILE_NOT_FOUND} when {@code modelDir} is not a directory or a
     *     tokenizer file cannot be read; {@link StandardErrorCode#MALFORMED_CONFIG} naming the file and the problem
     *     when a tokenizer file is malformed or only one of {@code vocab.json} and {@code merges.txt} is present
     */
    public static Optional<HfTextTokenizer> fromModelDirectory(Path modelDir) {
        requireNonNull(modelDir, "modelDir");
        if (!Files.isDirectory(modelDir)) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND,
                    "Model directory " + modelDir + " does not exist or is not a directory.");
        }
        Path tokenizerJson = modelDir.resolve(TokenizerFiles.TOKENIZER_JSON);
        if (Files.exists(tokenizerJson)) {
            return Optional.of(fromTokenizerJson(tokenizerJson));
        }
        Path vocabJson = modelDir.resolve(TokenizerFiles.VOCAB_JSON);
        Path mergesTxt = modelDir.resolve(TokenizerFiles.MERGES_TXT);
        boolean hasVocab = Files.exists(vocabJson);
        boolean hasMerges = Files.exists(mergesTxt);
        if (!hasVocab && !hasMerges) {
            return Optional.empty();
        }
        if (!hasVocab || !hasMerges) {
            Path present = hasVocab ? vocabJson : mergesTxt;
            Path missing = hasVocab ? mergesTxt : vocabJson;
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG,
                    "Model directory " + modelDir + " has " + present.getFileName() + " but no " + missing.getFileName()
                            + ": a byte-level BPE tokenizer needs both (or a tokenizer.json).");
        }
        ByteLevelBpe bpe = readByteLevelBpe(vocabJson, mergesTxt);
        byte[] json;
        try {
            json = StrictJson.MAPPER.writeValueAsBytes(bpe.toTokenizerJson());
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("Serialising an in-memory JSON tree failed", e);
        }
        return Optional.of(load(json, bpe.ids(), vocabJson + " + " + mergesTxt.getFileName()));
    }

    private static HfTextTokenizer fromTokenizerJson(Path file) {
        byte[] bytes = readBytes(file);
        JsonNode root = parseJson(file, bytes);
        if (!root.isObject()) {
            throw malformed(file, "expected a JSON object, found " + root.getNodeType());
        }
        JsonNode vocab = root.path("model").path("vocab");
        TreeSet<Integer> ids = new TreeSet<>();
        if (vocab.isObject()) {
            for (JsonNode id : vocab) {
                if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                    throw malformed(file, "model.vocab has id " + id + "; ids must be non-negative integers");
                }
                ids.add(id.intValue());
            }
        }
        else if (vocab.isArray()) {
            for (int id = 0; id < vocab.size(); id++) {
                ids.add(id);
            }
        }
        else {
            throw malformed(file, "it has no model.vocab (object of token to id, or list of pieces)");
        }
        JsonNode addedTokens = root.path("added_tokens");
        if (!addedTokens.isMissingNode() && !addedTokens.isArray()) {
            throw malformed(file, "added_tokens is not a list");
        }
        for (JsonNode token : addedTokens) {
            JsonNode id = token.path("id");
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                throw malformed(file, "added token " + token + " has no non-negative integer id");
            }
            ids.add(id.intValue());
        }
        if (ids.isEmpty()) {
            throw malformed(file, "the vocabulary has no tokens");
        }
        return load(bytes, ids.stream().mapToInt(Integer::intValue).toArray(), file.toString());
    }

    private static ByteLevelBpe readByteLevelBpe(Path vocabJson, Path mergesTxt) {
        Map<String, Integer> vocab;
        try {
            vocab = ByteLevelBpe.vocabFromJson(parseJson(vocabJson, readBytes(vocabJson)));
        }
        catch (IllegalArgumentException e) {
            throw malformed(vocabJson, e.getMessage());
        }
        ByteLevelBpe.vocabProblem(vocab).ifPresent(problem -> {
            throw malformed(vocabJson, problem);
        });

        List<String> lines = decodeUtf8(mergesTxt, readBytes(mergesTxt)).lines().toList();
        List<String> merges = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() || (i == 0 && line.startsWith(VERSION_HEADER))) {
                continue;
            }
            int lineNumber = i + 1;
            ByteLevelBpe.mergeProblem(line, vocab).ifPresent(problem -> {
                throw malformed(mergesTxt, "line " + lineNumber + " \"" + line + "\": " + problem);
            });
            merges.add(line);
        }
        return ByteLevelBpe.of(vocab, merges);
    }

    private static HfTextTokenizer load(byte[] tokenizerJson, int[] ids, String source) {
        HuggingFaceTokenizer tokenizer;
        try (InputStream in = new ByteArrayInputStream(tokenizerJson)) {
            // What newInstance(Path, options) does after opening the file; no temporary file is needed.
            tokenizer = HuggingFaceTokenizer.newInstance(in, OPTIONS);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Reading an in-memory stream failed", e);
        }
        catch (RuntimeException e) {
            // The native library reports a tokenizer.json it cannot build as a plain RuntimeException; anything
            // else (e.g. the library failing to load) is not the file's fault.
            if (e.getClass() != RuntimeException.class) {
                throw e;
            }
            throw new PeftException(StandardErrorCode.MALFORMED_CONFIG,
                    "Hugging Face tokenizers rejected the tokenizer of " + source + ": " + e.getMessage(), e);
        }
        return new HfTextTokenizer(tokenizer, ids, source);
    }

    private static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "Cannot read tokenizer file " + file + " (" + IoErrors.describe(e)
                    + "); check that it is a readable file", e);
        }
    }

    private static JsonNode parseJson(Path file, byte[] bytes) {
        try {
            JsonNode root = StrictJson.MAPPER.readTree(bytes);
            if (root == null || root.isMissingNode()) {
                throw malformed(file, "the file is empty");
            }
            return root;
        }
        catch (IOException e) {
            throw malformed(file, "not valid JSON: " + (e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage()));
        }
    }

    private static String decodeUtf8(Path file, byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        }
        catch (CharacterCodingException e) {
            throw malformed(file, "not valid UTF-8");
        }
    }

    private static PeftException malformed(Path file, String problem) {
        return new PeftException(StandardErrorCode.MALFORMED_CONFIG, "Malformed tokenizer file " + file + ": " + problem + ".");
    }
}
