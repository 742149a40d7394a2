package io.github.peft4j.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo end to end on a tiny budget: every stage runs, the reports exist, the frozen model stays frozen. */
final class TestDemoCommand {
    @TempDir
    Path directory;

    @Test
    void runsEveryStageAndWritesItsReports() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path demo = directory.resolve("demo");

        int exit = Main.execute(new String[] {"demo", "--out", demo.toString(), "--pretrain-steps", "6", "--prefix-steps", "6", "--held-out", "3"},
                new PrintWriter(out, true), new PrintWriter(err, true));

        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("1/4", "2/4", "3/4", "4/4", "BLEU", "the frozen model is bit-for-bit unchanged", "Report: ");
        for (String file : new String[] {"model/config.json", "model/vocab.json", "model/merges.txt", "prefix/report.html", "prefix/loss.png",
                "prefix/adapter/adapter_config.json", "pretrain/report.html", "pretrain/loss.png"}) {
            assertThat(demo.resolve(file)).exists();
        }
        assertThat(Files.readString(demo.resolve("prefix/report.html"))).contains("BLEU after prefix-tuning", "<img src=\"loss.png\"");

        // The saved model is the pretrained one: the exported prefix steers it from the command line as in the demo.
        StringWriter generated = new StringWriter();
        assertThat(Main.execute(new String[] {"generate", "--model", demo.resolve("model").toString(), "--adapter", demo.resolve("prefix/adapter").toString(),
                "--source", "name : Aromi | Type : pub | food : French | area : riverside | price : cheap", "--max-new-tokens", "5"},
                new PrintWriter(generated, true), new PrintWriter(err, true))).as(err.toString()).isZero();
        assertThat(generated.toString()).isNotBlank();

        // An earlier demo would be replaced; one holding a file the demo did not write is refused before any work.
        Files.writeString(demo.resolve("notes.txt"), "mine");
        StringWriter refusal = new StringWriter();
        int again = Main.execute(new String[] {"demo", "--out", demo.toString()}, new PrintWriter(new StringWriter(), true), new PrintWriter(refusal, true));
        assertThat(again).as("refuses to replace a demo holding a file of the user's").isEqualTo(2);
        assertThat(refusal.toString()).startsWith("OUTPUT_EXISTS: ");
        assertThat(demo.resolve("notes.txt")).hasContent("mine");
    }

    @Test
    void optionsItCannotRunWithAreRefusedBeforeAnyWork() {
        String[][] cases = {
            {"--prefix-steps", "0", "--prefix-steps must be at least 1 (got 0)"},
            {"--pretrain-steps", "-3", "--pretrain-steps must be at least 1 (got -3)"},
            {"--prefix-length", "0", "--prefix-length must be at least 1"},
            {"--prefix-length", "128", "--prefix-length 128 leaves no room for text"},
            {"--held-out", "5000", "--held-out 5000 is more than the demo's world has: it has 2016 restaurants, 600 of them for training; give at most 1416"},
        };
        for (String[] bad : cases) {
            Path demo = directory.resolve("refused");
            StringWriter err = new StringWriter();
            int exit = Main.execute(new String[] {"demo", "--out", demo.toString(), bad[0], bad[1]}, new PrintWriter(new StringWriter(), true),
                    new PrintWriter(err, true));

            assertThat(exit).as(String.join(" ", bad[0], bad[1])).isEqualTo(2);
            assertThat(err.toString()).startsWith("INVALID_ARGUMENT: " + bad[2]);
            assertThat(demo).as("nothing written").doesNotExist();
        }
    }

    @Test
    void theWorldsTokenizerKeepsWordsWhole() {
        assertThat(RestaurantWorld.words()).contains("Eagle", "coffee", "|", ":", "(");
        RestaurantWorld.Restaurant eagle = new RestaurantWorld.Restaurant("The Eagle", "pub", "French", "riverside", "cheap");
        assertThat(RestaurantWorld.descriptions(eagle)).allMatch(text -> RestaurantWorld.statesEverything(eagle, text));
        assertThat(RestaurantWorld.statesEverything(eagle, "The Mill is a pub serving French food in the riverside . It is cheap .")).isFalse();
    }
}
