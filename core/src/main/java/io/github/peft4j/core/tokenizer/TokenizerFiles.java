package io.github.peft4j.core.tokenizer;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The tokenizer files of a Hugging Face model directory: their names, and a writer for byte-level BPE ones. */
public final class TokenizerFiles {
    /** The whole tokenizer in one file (Hugging Face {@code tokenizers} format). */
    public static final String TOKENIZER_JSON = "tokenizer.json";
    /** Byte-level BPE vocabulary: a JSON object of token to id. */
    public static final String VOCAB_JSON = "vocab.json";
    /** Byte-level BPE merge rules, one {@code "left right"} per line, highest priority first. */
    public static final String MERGES_TXT = "merges.txt";
    /** The first line of GPT-2's, BART's and RoBERTa's {@code merges.txt}. */
    private static final String MERGES_HEADER = "#version: 0.2";

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerFiles() {}

    /**
     * Writes {@code vocab.json} (ordered by id) and {@code merges.txt} (with GPT-2's {@code #version: 0.2} header)
     * into {@code modelDir}, creating it if needed, in the layout {@link HfTokenizers#fromModelDirectory} reads.
     * Each file is replaced atomically (temporary file + rename). When loaded, {@code <|endoftext|>}, {@code <s>},
     * {@code </s>}, {@code <pad>}, {@code <unk>} and {@code <mask>} are special tokens if {@code vocab} has them.
     *
     * @param vocab token to id; tokens use GPT-2's byte-to-character alphabet (e.g. {@code "Ġworld"} for
     *     {@code " world"}); ids non-negative and distinct
     * @param merges merge rules {@code "left right"}, highest priority first; both parts and their concatenation
     *     must be in {@code vocab}
     * @throws PeftException {@link StandardErrorCode#INVALID_ARGUMENT} naming the first inconsistency;
     *     {@link StandardErrorCode#WRITE_FAILED} when a file cannot be written
     */
    public static void writeByteLevelBpe(Path modelDir, Map<String, Integer> vocab, List<String> merges) {
        requireNonNull(modelDir, "modelDir");
        requireNonNull(vocab, "vocab");
        requireNonNull(merges, "merges");
        ByteLevelBpe bpe;
        try {
            bpe = ByteLevelBpe.of(vocab, merges);
        }
        catch (IllegalArgumentException e) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT,
                    "Cannot write a byte-level BPE tokenizer to " + modelDir + ": " + e.getMessage() + ".");
        }
        byte[] vocabJson;
        try {
            vocabJson = JSON.writeValueAsBytes(bpe.vocab());
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("Serialising a map of strings to integers failed", e);
        }
        AtomicFiles.write(modelDir.resolve(VOCAB_JSON), out -> out.write(vocabJson));
        StringBuilder text = new StringBuilder(MERGES_HEADER).append('\n');
        bpe.merges().forEach(merge -> text.append(merge).append('\n'));
        AtomicFiles.write(modelDir.resolve(MERGES_TXT), out -> out.write(text.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
