package io.github.peft4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.inject.Inject;
import io.github.peft4j.core.io.OutputTarget;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.core.safetensors.SafetensorsWriter;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peft4j forward}: the logits of one sequence, optionally with a prefix. */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Run the model over token ids and write float32 'logits' [1, T, vocab] (T = decoder length for BART) to a safetensors file.")
final class ForwardCommand implements Callable<Integer> {
    /** The metadata entry that marks a file as forward's output, so that running forward again may replace it. */
    private static final String WRITER_KEY = "peft4j";
    private static final String WRITER = "forward logits";

    private final ModelLoader loader;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model directory.")
    Path model;

    @Option(names = "--ids", required = true, split = ",", converter = TokenIdConverter.class, description = "Token ids, comma-separated.")
    long[] ids;

    @Option(names = "--mask", split = ",", description = "Attention mask (1 = token, 0 = padding), one per id.")
    long[] mask;

    @Option(names = "--position-ids", split = ",", description = "Explicit position ids, one per id.")
    long[] positionIds;

    @Option(names = "--decoder-ids", split = ",", converter = TokenIdConverter.class, description = "Encoder-decoder models (BART): the decoder's token ids; --ids feed the encoder. "
            + "Without them BART shifts --ids right behind its decoder start token, as Hugging Face does.")
    long[] decoderIds;

    @Option(names = "--out", required = true,
            description = "Safetensors file to write (atomically): a new path, or logits forward wrote before. Anything else is refused unless --force.")
    Path out;

    @Option(names = "--force", description = "Replace --out even if forward did not write it (never a directory, nor a file inside the model directory).")
    boolean force;

    @Mixin
    AdapterOptions adapter;

    @Inject
    ForwardCommand(ModelLoader loader) {
        this.loader = loader;
    }

    @Override
    public Integer call() {
        adapter.protectedIn(OutputTarget.file(out, "a logits file written by 'peft4j forward'", ForwardCommand::isLogitsFile).force(force)
                .protecting("the model directory", model)).check();
        requireSameLength("--mask", mask);
        requireSameLength("--position-ids", positionIds);
        try (NDManager manager = NDManager.newBaseManager(); ModelBackend backend = loader.load(model, manager)) {
            ForwardInput input = ForwardInput.of(manager.create(new long[][] {ids}));
            if (mask != null) {
                input = input.withAttentionMask(manager.create(new long[][] {mask}));
            }
            if (positionIds != null) {
                input = input.withPositionIds(manager.create(new long[][] {positionIds}));
            }
            if (decoderIds != null) {
                if (!backend.geometry().isEncoderDecoder()) {
                    throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "--decoder-ids is for encoder-decoder models; " + model + " is decoder-only");
                }
                input = input.withDecoderInput(manager.create(new long[][] {decoderIds}), Optional.empty());
            }
            AdapterHooks hooks = adapter.hooks(backend, manager);
            NDArray logits = backend.forward(input, hooks);
            SafetensorsWriter.write(out, Map.of("logits", logits), Map.of("format", "pt", WRITER_KEY, WRITER));
            spec.commandLine().getOut().println("Wrote logits " + logits.getShape() + " to " + out);
        }
        return 0;
    }

    /** Whether {@code file} is logits this command wrote: its metadata says so. */
    private static boolean isLogitsFile(Path file) {
        try (SafetensorsFile logits = SafetensorsFile.open(file)) {
            return WRITER.equals(logits.metadata().get(WRITER_KEY));
        }
        catch (PeftException notSafetensors) {
            return false;
        }
    }

    private void requireSameLength(String option, long[] values) {
        if (values != null && values.length != ids.length) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, option + " has " + values.length + " values but --ids has " + ids.length);
        }
    }
}
