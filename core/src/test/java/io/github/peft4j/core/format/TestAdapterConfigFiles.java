package io.github.peft4j.core.format;

import static io.github.peft4j.testing.AdapterTesting.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** adapter_config.json as users may break it: every failure names the file and the key, without Java's words. */
final class TestAdapterConfigFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A method-specific enum field, as the adapters' configs hold them. */
    enum Boundary {
        SEPARATOR,
        TARGET
    }

    @TempDir
    Path directory;

    private Path config(String json) throws IOException {
        Path file = directory.resolve("adapter_config.json");
        Files.writeString(file, json);
        return file;
    }

    @Test
    void anythingButAJsonObjectIsRefusedNamingTheFile() throws IOException {
        Path broken = config("{\"peft_type\": \"PREFIX_TUNING\",");
        assertError(() -> AdapterConfigFiles.read(broken), StandardErrorCode.MALFORMED_CONFIG, broken + " is not valid JSON (");
        assertError(() -> AdapterConfigFiles.read(broken), StandardErrorCode.MALFORMED_CONFIG, "at line 1, column");
        assertError(() -> AdapterConfigFiles.read(config("")), StandardErrorCode.MALFORMED_CONFIG, "must hold a JSON object (an adapter's settings); it holds nothing");
        assertError(() -> AdapterConfigFiles.read(config("[1, 2]")), StandardErrorCode.MALFORMED_CONFIG, "it holds array");
        assertThat(AdapterConfigFiles.read(config("{\"a\": 1}")).get("a").asInt()).isEqualTo(1);
    }

    @Test
    void unknownEnumValuesAreRefusedListingTheChoices() throws IOException {
        Path file = config("{}");
        assertThat(AdapterConfigFiles.enumValue(file, json("{\"boundary\": \"target\"}"), "boundary", Boundary.class, Boundary.SEPARATOR))
                .isEqualTo(Boundary.TARGET);
        assertThat(AdapterConfigFiles.enumValue(file, json("{}"), "boundary", Boundary.class, Boundary.SEPARATOR)).isEqualTo(Boundary.SEPARATOR);
        for (String bad : new String[] {"\"middle\"", "\"TARGET\"", "3", "[\"target\"]"}) {
            assertError(() -> AdapterConfigFiles.enumValue(file, json("{\"boundary\": " + bad + "}"), "boundary", Boundary.class, Boundary.SEPARATOR),
                    StandardErrorCode.MALFORMED_CONFIG, file + " has \"boundary\": " + bad.replace(" ", "") + "; expected separator or target");
        }
        assertError(() -> AdapterConfigFiles.requireText(file, json("{\"peft_type\": \"LORA\"}"), "peft_type", "PREFIX_TUNING"),
                StandardErrorCode.MALFORMED_CONFIG, "has \"peft_type\": \"LORA\"; expected \"PREFIX_TUNING\"");
        assertError(() -> AdapterConfigFiles.requireText(file, json("{\"task_type\": 7}"), "task_type", "CAUSAL_LM"),
                StandardErrorCode.MALFORMED_CONFIG, "has \"task_type\": 7; expected \"CAUSAL_LM\"");
    }

    @Test
    void virtualTokensMustBeAWholeNumberThatFits() throws IOException {
        Path file = config("{}");
        assertThat(AdapterConfigFiles.positiveInt(file, json("{\"n\": 20}"), "n")).isEqualTo(20);
        assertThat(AdapterConfigFiles.positiveInt(file, json("{\"n\": 20.0}"), "n")).isEqualTo(20);
        for (String bad : new String[] {"2.5", "\"20\"", "0", "-3", "null"}) {
            assertError(() -> AdapterConfigFiles.positiveInt(file, json("{\"n\": " + bad + "}"), "n"), StandardErrorCode.MALFORMED_CONFIG,
                    "; expected a whole number >= 1");
        }
        assertError(() -> AdapterConfigFiles.positiveInt(file, json("{}"), "n"), StandardErrorCode.MALFORMED_CONFIG, "has \"n\": null; expected a whole number");
        assertError(() -> AdapterConfigFiles.positiveInt(file, json("{\"n\": 99999999999999999999}"), "n"), StandardErrorCode.MALFORMED_CONFIG,
                "more than peft4j can index");
        assertError(() -> AdapterConfigFiles.requireModelNumber(file, json("{\"token_dim\": 64.5}"), "token_dim", 64), StandardErrorCode.SHAPE_MISMATCH,
                "has \"token_dim\": 64.5 but the model has 64; this adapter was trained for a different base model");
    }

    private static JsonNode json(String text) throws IOException {
        return JSON.readTree(text);
    }
}
