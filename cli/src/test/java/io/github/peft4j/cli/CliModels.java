package io.github.peft4j.cli;

import io.github.peft4j.core.tokenizer.Gpt2StyleVocabulary;
import io.github.peft4j.core.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Models the CLI tests make with init-model, and the data sets they train on. */
final class CliModels {
    private CliModels() {}

    /**
     * A random 1-layer GPT-2 (seed 2) at {@code out} with the byte-level BPE tokenizer of {@link Gpt2StyleVocabulary},
     * so that it reads text datasets; {@code options} are more init-model options (e.g. {@code --positions 32}).
     */
    static Path gpt2WithTokenizer(Path out, String... options) {
        List<String> arguments = new ArrayList<>(List.of("init-model", "--arch", "gpt2", "--layers", "1", "--vocab",
                Integer.toString(Gpt2StyleVocabulary.vocab().size()), "--seed", "2", "--out", out.toString()));
        arguments.addAll(List.of(options));
        CliRun.succeeds(arguments.toArray(String[]::new));
        TokenizerFiles.writeByteLevelBpe(out, Gpt2StyleVocabulary.vocab(), Gpt2StyleVocabulary.MERGES);
        return out;
    }

    /** Two text pairs every split of a tiny JSONL data set can hold. */
    static final List<String> HELLO_ROWS = List.of("{\"source\": \"name : Hello\", \"target\": \"Hello world\"}",
            "{\"source\": \"name : world\", \"target\": \"world Hello\"}");

    /** A {@code --dataset jsonl} directory at {@code directory} whose train, dev and test splits are all {@code rows}. */
    static Path jsonlDataset(Path directory, List<String> rows) throws IOException {
        Files.createDirectories(directory);
        for (String split : List.of("train", "dev", "test")) {
            Files.write(directory.resolve(split + ".jsonl"), rows);
        }
        return directory;
    }
}
