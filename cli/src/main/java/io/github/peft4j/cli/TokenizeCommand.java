package io.github.peft4j.cli;

import ai.djl.ndarray.NDManager;
import com.google.inject.Inject;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.TextTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code peft4j tokenize}: text to the model's token ids. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids of TEXT under the model's tokenizer, comma-separated (the form --ids takes).")
final class TokenizeCommand implements Callable<Integer> {
    private final ModelLoader loader;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model directory with tokenizer.json or vocab.json + merges.txt.")
    Path model;

    @Parameters(paramLabel = "TEXT", description = "The text to encode.")
    String text;

    @Inject
    TokenizeCommand(ModelLoader loader) {
        this.loader = loader;
    }

    @Override
    public Integer call() {
        try (NDManager manager = NDManager.newBaseManager(); ModelBackend backend = loader.load(model, manager)) {
            TextTokenizer tokenizer = Tokenizers.require(backend, model);
            spec.commandLine().getOut().println(Arrays.stream(tokenizer.encode(text)).mapToObj(Long::toString).collect(Collectors.joining(",")));
        }
        return 0;
    }
}
