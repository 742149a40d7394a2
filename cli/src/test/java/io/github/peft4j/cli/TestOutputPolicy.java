package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every command that writes follows one policy: a target that peft4j did not write is refused (OUTPUT_EXISTS) and
 * left byte for byte as it was; an earlier output of the same kind is replaced; --force replaces anything but the
 * command's inputs and the directories around the user; an unwritable target is WRITE_FAILED.
 */
final class TestOutputPolicy {
    @TempDir
    static Path directory;

    private static Path model;
    private static Path data;
    private static Path run;

    @BeforeAll
    static void createModelDataAndRun() throws IOException {
        model = CliModels.gpt2WithTokenizer(directory.resolve("model"));
        data = CliModels.jsonlDataset(directory.resolve("data"), CliModels.HELLO_ROWS);
        run = directory.resolve("run");
        CliRun.succeeds(train(run, data.resolve("train.jsonl")));
    }

    private static String[] train(Path out, Path trainingData) {
        return new String[] {"train", "--model", model.toString(), "--data", trainingData.toString(), "--prefix-length", "2", "--mlp-width", "8",
                "--steps", "2", "--batch-size", "2", "--out", out.toString()};
    }

    private static String[] with(String[] arguments, String... more) {
        String[] all = Arrays.copyOf(arguments, arguments.length + more.length);
        System.arraycopy(more, 0, all, arguments.length, more.length);
        return all;
    }

    private static String[] export(Path out) {
        return new String[] {"export", "--run", run.toString(), "--out", out.toString()};
    }

    private static String[] predict(Path out) {
        return new String[] {"predict", "--model", model.toString(), "--dataset", "jsonl", "--data", data.toString(), "--beams", "1",
                "--max-new-tokens", "2", "--min-new-tokens", "1", "--out", out.toString()};
    }

    private static String[] forward(Path out) {
        return new String[] {"forward", "--model", model.toString(), "--ids", "1,2,3", "--out", out.toString()};
    }

    private static String[] initModel(Path out) {
        return new String[] {"init-model", "--arch", "gpt2", "--layers", "1", "--vocab", "50", "--seed", "5", "--out", out.toString()};
    }

    private static String[] ablate(Path out) {
        return new String[] {"ablate", "--model", model.toString(), "--data", data.resolve("train.jsonl").toString(), "--methods", "prefix",
                "--lengths", "1", "--budget", "1", "--mlp-width", "8", "--batch-size", "2", "--out", out.toString()};
    }

    private static String[] demo(Path out) {
        return new String[] {"demo", "--out", out.toString()};
    }

    /** Every file and directory under {@code path} (or the file itself) with its bytes: equal snapshots mean nothing was touched. */
    private static Map<String, String> snapshot(Path path) throws IOException {
        Map<String, String> entries = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(path)) {
            walk.forEach(each -> {
                try {
                    entries.put(path.relativize(each).toString(), Files.isDirectory(each) ? "<dir>" : Arrays.toString(Files.readAllBytes(each)));
                }
                catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return entries;
    }

    /** A file and a directory that peft4j did not write, named after {@code name}. */
    private static List<Path> unrelated(String name) throws IOException {
        Path file = directory.resolve(name + "-notes.txt");
        Files.writeString(file, "my notes\n");
        Path folder = directory.resolve(name + "-folder");
        Files.createDirectories(folder.resolve("sub"));
        Files.writeString(folder.resolve("sub/photo.jpg"), "jpeg");
        return List.of(file, folder);
    }

    /** The command on each unrelated target is refused with OUTPUT_EXISTS naming it, and leaves it as it was. */
    private static void refusesUnrelatedTargets(String name, Function<Path, String[]> command, boolean offersForce) throws IOException {
        for (Path target : unrelated(name)) {
            Map<String, String> before = snapshot(target);
            String message = CliRun.of(command.apply(target)).assertUserError("OUTPUT_EXISTS");
            assertThat(message).contains(target.toString(), "Choose");
            if (offersForce) {
                assertThat(message).contains("--force");
            }
            assertThat(snapshot(target)).as("%s untouched", target).isEqualTo(before);
        }
    }

    /** The command on a target below a regular file fails with WRITE_FAILED naming that file. */
    private static void belowARegularFileIsAWriteFailure(String name, Function<Path, String[]> command) throws IOException {
        Path file = directory.resolve(name + "-a-file");
        Files.writeString(file, "x");
        String message = CliRun.of(command.apply(file.resolve("out"))).assertUserError("WRITE_FAILED");
        assertThat(message).contains(file + " is a file, not a directory");
        assertThat(file).hasContent("x");
    }

    /** Every command that writes: its name, how it is called on an output path, and whether its refusal offers --force. */
    static Stream<Arguments> writingCommands() {
        return Stream.of(
                writing("export", TestOutputPolicy::export, true),
                // train has no --force (a run directory is resumed, not replaced): its refusal does not offer it.
                writing("train", out -> train(out, data.resolve("train.jsonl")), false),
                writing("predict", TestOutputPolicy::predict, true),
                writing("forward", TestOutputPolicy::forward, true),
                writing("init-model", TestOutputPolicy::initModel, true),
                writing("ablate", TestOutputPolicy::ablate, true),
                writing("demo", TestOutputPolicy::demo, true));
    }

    private static Arguments writing(String name, Function<Path, String[]> command, boolean offersForce) {
        return Arguments.of(name, command, offersForce);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writingCommands")
    void aTargetPeftDidNotWriteIsRefusedAndLeftAsItWas(String name, Function<Path, String[]> command, boolean offersForce) throws IOException {
        refusesUnrelatedTargets(name, command, offersForce);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writingCommands")
    void aTargetBelowARegularFileIsAWriteFailure(String name, Function<Path, String[]> command, boolean offersForce) throws IOException {
        belowARegularFileIsAWriteFailure(name, command);
    }

    @Test
    void export() throws IOException {
        Path adapter = directory.resolve("exported");
        CliRun.succeeds(export(adapter));
        Files.writeString(adapter.resolve("adapter_config.json"), "stale");
        CliRun.succeeds(export(adapter));
        assertThat(adapter.resolve("adapter_config.json")).as("the earlier export was replaced").content().contains("PREFIX_TUNING");

        Path folder = unrelated("export-forced").get(1);
        CliRun.succeeds(with(export(folder), "--force"));
        assertThat(folder.resolve("adapter_config.json")).exists();
        assertThat(folder.resolve("sub")).doesNotExist();

        Map<String, String> runBefore = snapshot(run);
        Map<String, String> modelBefore = snapshot(model);
        for (Path input : List.of(run, run.resolve("checkpoint"), directory, model)) {
            String message = CliRun.of(with(export(input), "--force")).assertUserError("INVALID_ARGUMENT");
            assertThat(message).contains(input.toString(), "not even with --force");
        }
        assertThat(snapshot(run)).isEqualTo(runBefore);
        assertThat(snapshot(model)).isEqualTo(modelBefore);
    }

    @Test
    void train() throws IOException {
        Map<String, String> runBefore = snapshot(run);
        assertThat(CliRun.of(train(run, data.resolve("train.jsonl"))).assertUserError("OUTPUT_EXISTS")).contains(run.toString(), "--resume");
        assertThat(snapshot(run)).isEqualTo(runBefore);

        Path empty = directory.resolve("empty-run");
        Files.createDirectories(empty);
        CliRun.succeeds(train(empty, data.resolve("train.jsonl")));
        assertThat(empty.resolve("adapter/adapter_config.json")).exists();
    }

    @Test
    void aFailedNewRunLeavesNothingAndTheSameCommandThenSucceeds() throws IOException {
        Path rows = directory.resolve("bad.jsonl");
        Files.writeString(rows, "{\"source\": \"name : Hello\", \"target\": \"Hello world\"}\n{\"source\": \"name : world\"}\n");
        Path created = directory.resolve("failed-run");
        Path existing = directory.resolve("existing-empty-run");
        Files.createDirectories(existing);

        CliRun.of(train(created, rows)).assertUserError("MALFORMED_DATASET");
        CliRun.of(train(existing, rows)).assertUserError("MALFORMED_DATASET");

        assertThat(created).as("the directory this run created is gone").doesNotExist();
        assertThat(existing).as("the directory that was there stays, empty").isEmptyDirectory();
        Files.copy(data.resolve("train.jsonl"), rows, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CliRun.succeeds(train(created, rows));
        assertThat(created.resolve("adapter/adapter_config.json")).exists();
    }

    @Test
    void aRunThatFailsAfterItsFirstCheckpointIsKeptForResume() {
        // GPT-2's PEFT prefix directory cannot record positions=zero: the export at the end fails, after the last checkpoint.
        Path kept = directory.resolve("kept-run");

        CliRun failed = CliRun.of(with(train(kept, data.resolve("train.jsonl")), "--set", "positions=zero"));

        assertThat(failed.exitCode()).as(failed.err()).isEqualTo(2);
        assertThat(failed.err().lines().filter(line -> line.startsWith("INVALID_ARGUMENT: ")))
                .singleElement().asString().contains("checkpoint is kept", "--resume --out " + kept);
        assertThat(kept.resolve("run.json")).exists();
        assertThat(kept.resolve("checkpoint/parameters.safetensors")).exists();
    }

    @Test
    void predict() throws IOException {
        Path file = unrelated("predict-forced").get(0);
        CliRun.succeeds(with(predict(file), "--force"));
        assertThat(Files.readAllLines(file)).hasSize(2);

        Path folder = unrelated("predict-folder").get(1);
        Map<String, String> before = snapshot(folder);
        assertThat(CliRun.of(with(predict(folder), "--force")).assertUserError("OUTPUT_EXISTS")).contains(folder.toString(), "is a directory");
        assertThat(snapshot(folder)).isEqualTo(before);
        assertThat(CliRun.of(with(predict(data.resolve("test.jsonl")), "--force")).assertUserError("INVALID_ARGUMENT"))
                .contains("inside the data directory");
    }

    @Test
    void forward() throws IOException {
        Path logits = directory.resolve("logits.safetensors");
        CliRun.succeeds(forward(logits));
        CliRun.succeeds(forward(logits));

        Path file = unrelated("forward-forced").get(0);
        CliRun.succeeds(with(forward(file), "--force"));
        assertThat(new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1)).contains("\"logits\"");

        // The adapter it reads is an input: not even --force writes the logits over its tensors.
        Path adapter = run.resolve("adapter");
        Map<String, String> before = snapshot(adapter);
        for (String option : List.of("--adapter", "--prefix")) {
            String message = CliRun.of(with(forward(adapter.resolve("adapter_model.safetensors")), option, adapter.toString(), "--force"))
                    .assertUserError("INVALID_ARGUMENT");
            assertThat(message).contains("inside an adapter it reads (" + option + ")", "not even with --force");
        }
        assertThat(snapshot(adapter)).isEqualTo(before);
    }

    @Test
    void initModel() throws IOException {
        Path written = directory.resolve("init-model-again");
        CliRun.succeeds(initModel(written));
        Files.writeString(written.resolve("vocab.json"), "{}");
        CliRun.succeeds(initModel(written));
        assertThat(written.resolve("vocab.json")).as("files init-model does not write are kept").hasContent("{}");

        Path folder = unrelated("init-model-forced").get(1);
        CliRun.succeeds(with(initModel(folder), "--force"));
        assertThat(folder.resolve("model.safetensors")).exists();
        assertThat(folder.resolve("sub/photo.jpg")).hasContent("jpeg");
    }

    @Test
    void ablate() throws IOException {
        Path ablation = directory.resolve("ablation");
        CliRun.succeeds(ablate(ablation));
        CliRun.succeeds(ablate(ablation));
        assertThat(ablation.resolve("ablation.json")).exists();

        Path folder = unrelated("ablate-forced").get(1);
        CliRun.succeeds(with(ablate(folder), "--force"));
        assertThat(folder.resolve("ablation.json")).exists();

        Map<String, String> modelBefore = snapshot(model);
        assertThat(CliRun.of(with(ablate(model), "--force")).assertUserError("INVALID_ARGUMENT")).contains(model.toString());
        assertThat(snapshot(model)).isEqualTo(modelBefore);
    }

    @Test
    void demoRefusesBeforeDoingAnyWork() throws IOException {
        List<String> refused = new ArrayList<>();
        for (Path protectedDirectory : List.of(Path.of("").toAbsolutePath(), Path.of(System.getProperty("user.home")), Path.of("/"))) {
            refused.add(CliRun.of(with(demo(protectedDirectory), "--force")).assertUserError("INVALID_ARGUMENT"));
        }
        assertThat(refused).allSatisfy(message -> assertThat(message).contains("not even with --force"));
    }
}
