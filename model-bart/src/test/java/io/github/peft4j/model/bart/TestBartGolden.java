package io.github.peft4j.model.bart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.peft4j.spi.ModelBackend;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every BART forward case of the golden vectors, to 1e-4 on the logits. */
final class TestBartGolden {
    private static NDManager manager;
    private static ModelBackend model;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager("PyTorch");
        model = new BartBackendProvider().load(BartGoldenCase.model(), manager);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    static List<String> cases() {
        return BartGoldenCase.names();
    }

    @Test
    void theGoldenVectorsHoldTheFourBartCases() {
        assertThat(cases()).containsExactlyInAnyOrder("bart_plain", "bart_prefix_liliang", "bart_prefix_peft", "bart_prefix_encoder_padding");
    }

    @ParameterizedTest
    @MethodSource("cases")
    void logitsMatchTheReference(String name) {
        try (NDManager pass = manager.newSubManager()) {
            BartGoldenCase golden = BartGoldenCase.load(name, pass);
            NDArray logits = model.forward(golden.input(), golden.hooks());
            NDArray expected = golden.expectedLogits();
            assertThat(logits.getShape()).isEqualTo(expected.getShape());

            float[] actual = logits.toFloatArray();
            float[] wanted = expected.toFloatArray();
            int vocab = (int) expected.getShape().get(2);
            for (int i = 0; i < wanted.length; i++) {
                assertThat(actual[i]).as("%s logit [%d, %d]", name, i / vocab, i % vocab).isCloseTo(wanted[i], within(1e-4f));
            }
        }
    }
}
