package com.example.peft.tiedprefix;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin only joins the class path, and peft4j lists it and trains with it. */
final class TestTiedPrefixPlugin {
    @TempDir
    Path directory;

    @Test
    void appearsInPluginsAndTrainsThroughTheCli() throws Exception {
        String plugins = run(0, "plugins");
        assertThat(plugins).contains("tied-prefix", TiedPrefixProvider.class.getName());

        Path model = directory.resolve("model");
        run(0, "init-model", "--arch", "gpt2", "--layers", "2", "--vocab", "60", "--seed", "1", "--out", model.toString());
        Path data = directory.resolve("data.jsonl");
        Files.writeString(data, "{\"source\": [1, 2, 3], \"target\": [4, 5, 59]}\n{\"source\": [6, 7], \"target\": [8, 9, 59]}\n");
        Path run = directory.resolve("run");
        String train = run(0, "train", "--model", model.toString(), "--method", "tied-prefix", "--prefix-length", "4", "--data", data.toString(),
                "--lr", "0.05", "--schedule", "constant", "--steps", "20", "--batch-size", "2", "--out", run.toString());

        List<Double> losses = new ArrayList<>();
        Matcher step = Pattern.compile("(?m)^step \\d+ loss (\\S+)").matcher(train);
        while (step.find()) {
            losses.add(Double.parseDouble(step.group(1)));
        }
        assertThat(losses).hasSize(20);
        assertThat(losses.get(19)).isLessThan(losses.get(0));
        assertThat(run.resolve("adapter/tied_prefix.ndlist")).exists();

        String generated = run(0, "generate", "--model", model.toString(), "--ids", "1,2,3", "--adapter", run.resolve("adapter").toString(),
                "--max-new-tokens", "3");
        assertThat(generated.strip()).matches("\\d+(,\\d+)*");
    }

    @Test
    void badSettingIsAUserError() {
        assertThat(runExit("train", "--model", "x", "--method", "tied-prefix", "--set", "depth=3", "--data", "x", "--out",
                directory.resolve("r").toString())).isEqualTo(2);
    }

    private static String run(int expectedExit, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(exit).as(err.toString()).isEqualTo(expectedExit);
        return out.toString();
    }

    private static int runExit(String... args) {
        return Main.execute(args, new PrintWriter(new StringWriter(), true), new PrintWriter(new StringWriter(), true));
    }
}
