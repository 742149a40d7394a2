package io.github.peft4j.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

final class TestStrictJson {
    private static final Function<String, PeftException> REFUSE = problem -> new PeftException(StandardErrorCode.MALFORMED_DATASET, "f:1: " + problem);

    @Test
    void aLineIsOneObject() {
        assertThat(StrictJson.readLine("{\"ids\": [1, 2]}  ", REFUSE).get("ids").size()).isEqualTo(2);
        assertThat(StrictJson.readLine("   ", REFUSE)).isNull();
    }

    @Test
    void textAfterTheObjectIsRefused() {
        assertThatThrownBy(() -> StrictJson.readLine("{\"source\":[1],\"target\":[2]} junk", REFUSE))
                .hasMessage("f:1: has text after the JSON object, which ends at column 28: give one JSON object per line");
        assertThatThrownBy(() -> StrictJson.readLine("{\"ids\":[1,2]} {\"ids\":[3]}", REFUSE))
                .hasMessageStartingWith("f:1: has text after the JSON object");
    }

    @Test
    void aKeyGivenTwiceIsRefused() {
        assertThatThrownBy(() -> StrictJson.readLine("{\"ids\":[1],\"ids\":[2]}", REFUSE)).hasMessage("f:1: gives the key \"ids\" twice: keep only one");
    }

    @Test
    void badJsonIsNamedAsSuch() {
        assertThatThrownBy(() -> StrictJson.readLine("{\"ids\": [1,", REFUSE)).hasMessageStartingWith("f:1: is not valid JSON (");
    }
}
