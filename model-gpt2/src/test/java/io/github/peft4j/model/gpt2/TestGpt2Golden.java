package io.github.peft4j.model.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.peft4j.spi.ModelBackend;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every GPT-2 forward case of the golden vectors, to 1e-4 on the logits. */
final class TestGpt2Golden {
    private static NDManager manager;
    private static ModelBackend model;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager("PyTorch");
        model = new Gpt2BackendProvider().load(GoldenCase.model(), manager);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    static List<String> cases() {
        return GoldenCase.names();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void logitsMatchTheReference(String name) {
        try (NDManager pass = manager.newSubManager()) {
            GoldenCase golden = GoldenCase.load(name, pass);
            NDArray logits = model.forward(golden.input(), golden.hooks());
            NDArray expected = golden.expectedLogits();
            assertThat(logits.getShape()).isEqualTo(expected.getShape());

            long[] shape = expected.getShape().getShape();
            long[] mask = golden.compareMaskedOnly() ? golden.tensors().get("attention_mask").toLongArray() : null;
            float[] actual = logits.toFloatArray();
            float[] wanted = expected.toFloatArray();
            int vocab = (int) shape[2];
            int compared = 0;
            for (int row = 0; row < shape[0] * shape[1]; row++) {
                if (mask != null && mask[row] == 0) {
                    continue;
                }
                for (int v = 0; v < vocab; v++) {
                    int i = row * vocab + v;
                    assertThat(actual[i]).as("%s logit [%d, %d]", name, row, v).isCloseTo(wanted[i], within(1e-4f));
                }
                compared++;
            }
            assertThat(compared).isPositive();
        }
    }
}
