package io.github.peft4j.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reports are real plots of the run's numbers, and HTML that shows them. */
final class TestRunReport {
    @TempDir
    Path run;

    @Test
    void plotsTheMetricsLogAndEscapesTheHtml() throws IOException {
        List<String> lines = new ArrayList<>();
        for (int step = 1; step <= 50; step++) {
            lines.add("{\"type\":\"step\",\"step\":" + step + ",\"loss\":" + (5.0 / step) + ",\"learning_rate\":" + (0.01 * (50 - step) / 50) + "}");
            if (step % 10 == 0) {
                lines.add("{\"type\":\"eval\",\"step\":" + step + ",\"dev_loss\":" + (6.0 / step) + ",\"best\":true}");
            }
        }
        Files.write(run.resolve("metrics.jsonl"), lines);

        Path html = RunReport.write(run, "a <test> run", Map.of("method", "prefix"), List.of(new GeneratedSample("x & y", "ref", "out")));

        String page = Files.readString(html);
        assertThat(page).contains("a &lt;test&gt; run", "x &amp; y", "<img src=\"loss.png\"", "<img src=\"learning-rate.png\"", "<img src=\"dev-loss.png\"");
        BufferedImage loss = ImageIO.read(run.resolve("loss.png").toFile());
        assertThat(loss.getWidth()).isEqualTo(720);
        assertThat(colours(loss)).as("a drawn chart, not a blank image").isGreaterThan(10);
        assertThat(hasPlotColour(loss, 0x1f77b4)).as("the training-loss line").isTrue();
        assertThat(hasPlotColour(loss, 0xd62728)).as("the dev-loss line").isTrue();
    }

    @Test
    void aRunWithoutMetricsStillGetsItsTable() throws IOException {
        Path html = RunReport.write(run, "empty", Map.of("steps", "0"), List.of());
        assertThat(Files.readString(html)).contains("<th>steps</th><td>0</td>").doesNotContain("<img");
    }

    private static long colours(BufferedImage image) {
        Set<Integer> seen = new HashSet<>();
        for (int x = 0; x < image.getWidth(); x += 3) {
            for (int y = 0; y < image.getHeight(); y += 3) {
                seen.add(image.getRGB(x, y) & 0xffffff);
            }
        }
        return seen.size();
    }

    private static boolean hasPlotColour(BufferedImage image, int rgb) {
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                if ((image.getRGB(x, y) & 0xffffff) == rgb) {
                    return true;
                }
            }
        }
        return false;
    }
}
