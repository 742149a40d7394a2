package io.github.peft4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.fixture.FixtureEmbeddingAdapterProvider;
import org.junit.jupiter.api.Test;

final class TestMain {
    @Test
    void helpListsCommandsAndExitCodes() {
        CliRun run = CliRun.of("--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Usage: peft4j", "plugins", "Exit codes:");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void noArgumentsPrintsUsage() {
        CliRun run = CliRun.of();

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Usage: peft4j");
    }

    @Test
    void unknownOptionIsAUserError() {
        CliRun run = CliRun.of("--bogus");

        assertThat(run.assertUserError("INVALID_ARGUMENT")).isEqualTo("Unknown option: '--bogus'");
        assertThat(run.err()).contains("Run 'peft4j --help' for the options.").doesNotContain("Usage:");
    }

    @Test
    void unknownCommandIsAUserError() {
        assertThat(CliRun.of("frobnicate").exitCode()).isEqualTo(2);
    }

    @Test
    void versionNamesPeft4jDjlAndJava() {
        CliRun run = CliRun.of("--version");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).containsPattern("peft4j \\d+\\.\\d+\\.\\d+").contains("DJL 0.36.0", "Java 17");
    }

    @Test
    void pluginsListsAProviderThatOnlyJoinedTheClassPath() {
        CliRun run = CliRun.of("plugins");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out())
                .contains("adapter", FixtureEmbeddingAdapterProvider.NAME)
                .contains("class: " + FixtureEmbeddingAdapterProvider.class.getName())
                // core's test jar (or its test-classes directory when Maven resolves it inside the reactor, in target or
                // in a -Dpeft4j.build.dir of another name)
                .containsPattern("from: +\\S*(peft4j-core-[^/]*-tests\\.jar|core/[^/]+/test-classes)");
    }
}
