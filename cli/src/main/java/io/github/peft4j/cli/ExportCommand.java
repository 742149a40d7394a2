package io.github.peft4j.cli;

import ai.djl.ndarray.NDManager;
import com.google.inject.Inject;
import io.github.peft4j.core.adapter.Settings;
import io.github.peft4j.core.inject.PluginRegistry;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.io.OutputTarget;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.core.training.ParameterValues;
import io.github.peft4j.core.training.RunManifest;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ParameterEfficientAdapter;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peft4j export}: a run's latest checkpoint in the adapter's inference form. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export the latest checkpoint of a training run as an adapter directory (for prefix-tuning: the MLP applied",
                "and dropped, as a Hugging Face PEFT directory), for forward/generate --adapter or PEFT's from_pretrained."})
final class ExportCommand implements Callable<Integer> {
    private final ModelLoader loader;
    private final PluginRegistry registry;

    @Spec
    CommandSpec spec;

    @Option(names = "--run", required = true, paramLabel = "RUN_DIR", description = "A run directory written by 'peft4j train'.")
    Path run;

    @Option(names = "--out", required = true, paramLabel = "ADAPTER_DIR",
            description = "Adapter directory to write: a new path, or an earlier export (replaced atomically). Anything else is refused unless --force.")
    Path out;

    @Option(names = "--force", description = "Replace --out even if it is not an earlier export (never the run directory, the model directory, or one containing them).")
    boolean force;

    @Inject
    ExportCommand(ModelLoader loader, PluginRegistry registry) {
        this.loader = loader;
        this.registry = registry;
    }

    @Override
    public Integer call() {
        RunManifest manifest = RunManifest.read(run);
        OutputTarget target = OutputTarget.directory(out, "adapter", "an adapter directory written by 'peft4j export' (holding only what it wrote)")
                .force(force)
                .protecting("the run directory it exports from", run)
                .protecting("the model directory", manifest.model())
                .protecting("the run's training data", manifest.data())
                .protecting("the run's dev data", manifest.dev().orElse(null))
                .protecting("the run's init-file", Optional.ofNullable(manifest.settings().get(Settings.INIT_FILE)).map(Path::of).orElse(null))
                .check();
        Path parameters = AtomicFiles.existingDirectory(run.resolve("checkpoint"))
                .map(dir -> dir.resolve("parameters.safetensors"))
                .filter(Files::isRegularFile)
                .orElseThrow(() -> new PeftException(StandardErrorCode.FILE_NOT_FOUND, run + " has no checkpoint yet; train first"));
        try (NDManager manager = NDManager.newBaseManager(); ModelBackend backend = loader.load(manifest.model(), manager)) {
            ParameterEfficientAdapter adapter = registry.adapter(manifest.method())
                    .create(manifest.settings(), new AdapterContext(backend, manager, manifest.training().seed()));
            try (adapter; SafetensorsFile saved = SafetensorsFile.open(parameters)) {
                ParameterValues.assignAll(adapter.trainableParameters(), saved, manager);
                target.replaceDirectory(adapter::export);
                spec.commandLine().getOut().printf(Locale.ROOT, "Exported %s (%,d parameters) to %s%n", manifest.method(), adapter.exportedParameterCount(), out);
            }
        }
        return 0;
    }
}
