package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** bench generate on a tiny random model: one JSON object with sane figures for both batch layouts (no timing claims). */
final class TestBenchGenerateCommand {
    @Test
    void printsFiguresForTheSharedAndTheMixedPrefixBatch() throws IOException {
        CliRun run = CliRun.of("bench", "generate", "--preset", "tiny", "--rows", "3", "--prompt-length", "4", "--beams", "2", "--new-tokens", "3",
                "--prefix-length", "2", "--repeat", "2");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(run.out());
        assertThat(report.get("benchmark").asText()).isEqualTo("generate");
        assertThat(report.get("workload").get("rows").asInt()).isEqualTo(3);
        assertThat(report.get("workload").get("new_tokens").asInt()).isEqualTo(3);
        for (String layout : new String[] {"single_prefix", "mixed_prefixes"}) {
            JsonNode figures = report.get(layout);
            assertThat(figures.get("seconds").get("count").asInt()).as(layout).isEqualTo(2);
            assertThat(figures.get("seconds").get("median").asDouble()).as(layout).isPositive();
            assertThat(figures.get("seconds").get("min").asDouble()).as(layout).isLessThanOrEqualTo(figures.get("seconds").get("max").asDouble());
            assertThat(figures.get("tokens_per_second").asDouble()).as(layout)
                    .isEqualTo(3 * 3 / figures.get("seconds").get("median").asDouble());
            assertThat(figures.get("peak_rss_bytes").asLong()).as(layout).isPositive();
        }
        assertThat(report.get("throughput_ratio_mixed_over_single").asDouble()).isPositive().isFinite();
        assertThat(report.get("gemm_peak_gflops").asDouble()).isPositive().isFinite();
        assertThat(report.get("notes").asText()).contains("rows x new tokens");
    }

    @Test
    void refusesSizesBelowOne() {
        CliRun run = CliRun.of("bench", "generate", "--preset", "tiny", "--rows", "0");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("INVALID_ARGUMENT:").contains("--rows");
    }
}
