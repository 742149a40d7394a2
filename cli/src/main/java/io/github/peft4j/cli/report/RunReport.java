package io.github.peft4j.cli.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.training.MetricsLog;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.awt.AWTError;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Writes {@code report.html} and its plots into a run directory from the run's {@code metrics.jsonl} and what the
 * caller knows (title, parameter counts, hyper-parameters, samples). Every file is written atomically.
 */
public final class RunReport {
    public static final String HTML = "report.html";
    static final String LOSS_PLOT = "loss.png";
    static final String LEARNING_RATE_PLOT = "learning-rate.png";
    static final String DEV_PLOT = "dev-loss.png";

    private static final int WIDTH = 720;
    private static final int HEIGHT = 360;

    private RunReport() {}

    /**
     * Renders the report of the run in {@code runDirectory}.
     *
     * @param facts ordered label -> value rows (parameter counts, hyper-parameters, results)
     */
    public static Path write(Path runDirectory, String title, Map<String, String> facts, List<GeneratedSample> samples) {
        System.setProperty("java.awt.headless", "true");
        Metrics metrics = Metrics.read(runDirectory.resolve(MetricsLog.FILE_NAME));
        List<String> plots = new ArrayList<>();
        Map<String, String> shown = new LinkedHashMap<>(facts);
        try {
            if (!metrics.steps.isEmpty()) {
                XYSeriesCollection loss = new XYSeriesCollection(metrics.series("training loss", "loss", metrics.steps));
                if (!metrics.evaluations.isEmpty()) {
                    loss.addSeries(metrics.series("dev loss", "dev_loss", metrics.evaluations));
                }
                plot(runDirectory.resolve(LOSS_PLOT), chart("Loss", "loss", loss));
                plots.add(LOSS_PLOT);
                plot(runDirectory.resolve(LEARNING_RATE_PLOT), chart("Learning rate", "learning rate",
                        new XYSeriesCollection(metrics.series("learning rate", "learning_rate", metrics.steps))));
                plots.add(LEARNING_RATE_PLOT);
            }
            if (!metrics.evaluations.isEmpty()) {
                plot(runDirectory.resolve(DEV_PLOT), chart("Dev loss", "dev loss",
                        new XYSeriesCollection(metrics.series("dev loss", "dev_loss", metrics.evaluations))));
                plots.add(DEV_PLOT);
            }
        }
        catch (RuntimeException | LinkageError | AWTError e) {
            // Drawing needs fonts (fontconfig); a bare server may lack them. The numbers stay in metrics.jsonl.
            shown.put("plots", "not drawn: " + e + " (install fontconfig and a font, e.g. fonts-dejavu-core)");
        }
        Path html = runDirectory.resolve(HTML);
        AtomicFiles.writeString(html, html(title, shown, plots, samples));
        return html;
    }

    private static JFreeChart chart(String title, String yLabel, XYSeriesCollection data) {
        JFreeChart chart = ChartFactory.createXYLineChart(title, "step", yLabel, data, PlotOrientation.VERTICAL, true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        renderer.setSeriesPaint(0, new Color(0x1f77b4));
        renderer.setSeriesPaint(1, new Color(0xd62728));
        renderer.setSeriesShapesVisible(1, true);
        for (int series = 0; series < data.getSeriesCount(); series++) {
            renderer.setSeriesStroke(series, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        return chart;
    }

    private static void plot(Path file, JFreeChart chart) {
        AtomicFiles.write(file, out -> ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT));
    }

    private static String html(String title, Map<String, String> facts, List<String> plots, List<GeneratedSample> samples) {
        StringBuilder page = new StringBuilder();
        page.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(escape(title)).append("</title>\n")
                .append("<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}")
                .append("td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f3f3f3}img{max-width:100%}</style>")
                .append("</head><body>\n<h1>").append(escape(title)).append("</h1>\n<h2>Run</h2>\n<table>\n");
        facts.forEach((label, value) -> page.append("<tr><th>").append(escape(label)).append("</th><td>").append(escape(value)).append("</td></tr>\n"));
        page.append("</table>\n");
        if (!plots.isEmpty()) {
            page.append("<h2>Curves</h2>\n");
            plots.forEach(plot -> page.append("<p><img src=\"").append(plot).append("\" alt=\"").append(plot).append("\"></p>\n"));
        }
        if (!samples.isEmpty()) {
            page.append("<h2>Sample generations</h2>\n<table>\n<tr><th>source</th><th>reference</th><th>generated</th></tr>\n");
            for (GeneratedSample sample : samples) {
                page.append("<tr><td>").append(escape(sample.source())).append("</td><td>").append(escape(sample.reference()))
                        .append("</td><td>").append(escape(sample.generated())).append("</td></tr>\n");
            }
            page.append("</table>\n");
        }
        return page.append("</body></html>\n").toString();
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** The step and evaluation entries of a metrics log. */
    private record Metrics(List<JsonNode> steps, List<JsonNode> evaluations) {
        static Metrics read(Path file) {
            List<JsonNode> steps = new ArrayList<>();
            List<JsonNode> evaluations = new ArrayList<>();
            if (!Files.exists(file)) {
                return new Metrics(steps, evaluations);
            }
            ObjectMapper json = new ObjectMapper();
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    JsonNode entry = json.readTree(line);
                    if (entry == null) {
                        continue;
                    }
                    (entry.path("type").asText().equals("eval") ? evaluations : steps).add(entry);
                }
            }
            catch (IOException e) {
                throw new PeftException(StandardErrorCode.MALFORMED_CONFIG, "Cannot read the metrics log " + file + ": " + e.getMessage(), e);
            }
            return new Metrics(steps, evaluations);
        }

        XYSeries series(String name, String field, List<JsonNode> entries) {
            XYSeries series = new XYSeries(name);
            entries.forEach(entry -> series.add(entry.get("step").asDouble(), entry.get(field).asDouble()));
            return series;
        }
    }

    /** A number for a report table. */
    public static String number(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }
}
