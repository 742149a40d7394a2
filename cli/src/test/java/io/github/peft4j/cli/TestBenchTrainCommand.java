package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench train on a tiny random GPT-2: the JSON the comparison script reads, with figures that follow from the workload (no timing claims). */
final class TestBenchTrainCommand {
    @Test
    void printsTheFiguresTheComparisonReads() throws IOException {
        CliRun run = CliRun.of("bench", "train", "--preset", "tiny", "--steps", "3", "--warmup", "1", "--sequence", "16", "--source", "8",
                "--prefix", "4", "--mlp", "16", "--threads", "1");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(run.out());
        assertThat(report.get("implementation").asText()).isEqualTo("peft4j");
        JsonNode workload = report.get("workload");
        assertThat(workload.get("layers").asInt()).isEqualTo(2);
        assertThat(workload.get("hidden").asInt()).isEqualTo(64);
        assertThat(workload.get("batch").asInt()).isEqualTo(5);
        JsonNode seconds = report.get("step_seconds");
        assertThat(seconds.get("count").asInt()).isEqualTo(3);
        assertThat(seconds.get("min").asDouble()).isPositive().isLessThanOrEqualTo(seconds.get("median").asDouble());
        assertThat(report.get("tokens_per_second").asDouble()).isCloseTo(5 * 16 / seconds.get("median").asDouble(), within(1e-6));
        // Embedding [4, 64], MLP 64 -> 16 -> 2 layers x 2 x 64 with biases; the export keeps 2 x 2 x 4 x 64.
        assertThat(report.get("trainable_parameters").asLong()).isEqualTo(4 * 64 + 64 * 16 + 16 + 16 * 256 + 256);
        assertThat(report.get("exported_parameters").asLong()).isEqualTo(2 * 2 * 4 * 64);
        // Blocks (49,152 weights a layer; layer 0's qkv backward skipped, the last MLP's 32,768 weights on 40 of 80
        // positions), attention over 4 + 16 columns, the LM head on the 5 x 8 positions that predict a label, the prefix MLP.
        double flops = 2.0 * 80 * 98_304 * 2 - 2.0 * 80 * 12_288 - 4.0 * 40 * 32_768 + 12.0 * 2 * 5 * 16 * 20 * 64 + 4.0 * 40 * 64 * 1000
                + 6.0 * 4 * (64 * 16 + 16 * 256);
        assertThat(report.get("gflop_per_step").asDouble()).isCloseTo(flops / 1e9, within(1e-12));
        assertThat(report.get("fraction_of_peak").asDouble())
                .isCloseTo(report.get("achieved_gflops").asDouble() / report.get("gemm_peak_gflops").asDouble(), within(1e-9));
        assertThat(report.get("peak_rss_bytes").asLong()).isGreaterThanOrEqualTo(report.get("rss_after_load_bytes").asLong()).isPositive();
        assertThat(report.get("rss_samples")).hasSize(4);
        assertThat(report.get("loss_last_step").asDouble()).isPositive().isFinite();
        assertThat(workload.get("frozen_precision").asText()).isEqualTo("fp32");
        assertThat(report.get("gemm_bf16_gflops").asDouble()).isPositive();
    }

    @Test
    void trainsWithBf16FrozenWeightsToFloat32sLossAtBf16Precision() throws IOException {
        String[] workload = {"bench", "train", "--preset", "tiny", "--steps", "2", "--warmup", "1", "--sequence", "16", "--source", "8", "--threads", "1"};
        JsonNode fp32 = new ObjectMapper().readTree(CliRun.of(workload).out());
        CliRun run = CliRun.of(append(workload, "--frozen-precision", "bf16"));

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode bf16 = new ObjectMapper().readTree(run.out());
        assertThat(bf16.get("workload").get("frozen_precision").asText()).isEqualTo("bf16");
        double loss = fp32.get("loss_last_step").asDouble();
        assertThat(bf16.get("loss_last_step").asDouble()).isCloseTo(loss, within(0.01 * loss)).isNotEqualTo(loss);
    }

    @Test
    void profilesTheTimedStepsWithPyTorchsProfiler(@TempDir Path directory) throws IOException {
        Path trace = directory.resolve("trace.json");
        CliRun run = CliRun.of("bench", "train", "--preset", "tiny", "--steps", "2", "--warmup", "1", "--sequence", "8", "--source", "4",
                "--profile", trace.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode profile = new ObjectMapper().readTree(run.out()).get("profile");
        assertThat(new ObjectMapper().readTree(trace.toFile()).toString()).contains("aten::mm");
        assertThat(profile.get("matrix_product_share").asDouble()).isBetween(0.0, 1.0).isPositive();
        assertThat(profile.get("top_operators_ms_per_step").has("aten::mm")).isTrue();
        assertThat(profile.get("operator_ms_per_step").asDouble()).isPositive();
    }

    @Test
    void refusesBf16OnABackendThatComputesInFloat32Only(@TempDir Path directory) {
        Path bart = directory.resolve("bart");
        assertThat(CliRun.of("init-model", "--arch", "bart", "--preset", "tiny", "--seed", "1", "--out", bart.toString()).exitCode()).isZero();
        CliRun run = CliRun.of("bench", "train", "--model", bart.toString(), "--frozen-precision", "bf16");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("INVALID_ARGUMENT:").contains("float32 only");
    }

    @Test
    void refusesARowWithoutTarget() {
        CliRun run = CliRun.of("bench", "train", "--preset", "tiny", "--sequence", "8", "--source", "8");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("INVALID_ARGUMENT:").contains("--source");
    }

    private static String[] append(String[] arguments, String... more) {
        String[] all = Arrays.copyOf(arguments, arguments.length + more.length);
        System.arraycopy(more, 0, all, arguments.length, more.length);
        return all;
    }
}
