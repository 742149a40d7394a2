package io.github.peft4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

final class TestErrorCodes {
    @Test
    void standardCodesAreUniqueAndNamedAfterTheirConstant() {
        assertThat(Arrays.stream(StandardErrorCode.values()).map(c -> c.toErrorCode().code())).doesNotHaveDuplicates();
        for (StandardErrorCode code : StandardErrorCode.values()) {
            assertThat(code.toErrorCode().name()).isEqualTo(code.name());
        }
    }

    @Test
    void exceptionCarriesItsCodeAndType() {
        PeftException user = new PeftException(StandardErrorCode.MISSING_TENSOR, "model.safetensors lacks h.0.attn.c_attn.weight");
        assertThat(user.isUserError()).isTrue();
        assertThat(user.getErrorCode().name()).isEqualTo("MISSING_TENSOR");
        assertThat(new PeftException(StandardErrorCode.INTERNAL_ERROR, "bug").isUserError()).isFalse();
    }

    @Test
    void geometryRejectsInconsistentShapes() {
        assertThat(new ModelGeometry("gpt2", 0, 2, 4, 16, 64, 1000, 128).layers(Stack.DECODER)).isEqualTo(2);
        assertThatThrownBy(() -> new ModelGeometry("gpt2", 0, 2, 4, 16, 60, 1000, 128))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("hiddenSize");
        assertThatThrownBy(() -> new ModelGeometry("gpt2", 0, 0, 4, 16, 64, 1000, 128))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("decoderLayers");
    }
}
