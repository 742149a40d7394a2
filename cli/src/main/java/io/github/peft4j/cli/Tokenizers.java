package io.github.peft4j.cli;

import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import io.github.peft4j.spi.TextTokenizer;
import java.nio.file.Path;

/** The model's tokenizer, or an error that says which files are missing. */
final class Tokenizers {
    private Tokenizers() {}

    static TextTokenizer require(ModelBackend backend, Path model) {
        return backend.tokenizer().orElseThrow(() -> new PeftException(StandardErrorCode.FILE_NOT_FOUND, model
                + " has no tokenizer files (tokenizer.json, or vocab.json + merges.txt): copy them from the original model, or pass token ids with --ids"));
    }
}
