package io.github.peft4j.adapter.prefix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.github.peft4j.model.gpt2.Gpt2BackendProvider;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.testing.AdapterTesting;
import io.github.peft4j.testing.EngineManager;
import io.github.peft4j.testing.Golden;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Against the independent PyTorch reference: PEFT {@code PrefixEncoder} tensors give the reference's per-layer
 * prefix (names, layouts, the MLP), and a prefix from real words reproduces prepending those words.
 */
final class TestPrefixGolden {
    @RegisterExtension
    static final EngineManager ARRAYS = new EngineManager();

    private static ModelBackend model;

    private final PrefixAdapterProvider provider = new PrefixAdapterProvider();

    @BeforeAll
    static void loadModel() {
        model = AdapterTesting.goldenModel(new Gpt2BackendProvider(), ARRAYS.manager());
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    /** {@code gpt2_mlp}: P = 5, k = 32; {@code gpt2_direct}: the flat prefix, P = 5. */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2_mlp", "gpt2_direct"})
    void prefixModuleTensorsGiveTheReferencePrefix(String run) {
        Path init = Golden.resolve("train/" + run + "/init.safetensors");
        try (NDManager pass = ARRAYS.manager().newSubManager();
                PrefixAdapter adapter = provider.create(provider.parseConfig(Map.of("init-file", init.toString())), new AdapterContext(model, pass, 0))) {
            Map<String, NDArray> file = PrefixTesting.tensors(init, pass);
            Map<String, NDArray> trained = adapter.trainableParameters();
            assertThat(trained.keySet()).containsExactlyInAnyOrderElementsOf(
                    file.keySet().stream().filter(name -> name.startsWith("prefix_module.")).toList());
            trained.forEach((name, parameter) -> assertThat(parameter.toFloatArray()).as(name).containsExactly(file.get(name).toFloatArray()));
            assertThat(adapter.mlpWidth()).isEqualTo(run.equals("gpt2_mlp") ? Math.toIntExact(file.get("prefix_module.transform.0.weight").getShape().get(0)) : 0);

            for (int layer = 0; layer < model.geometry().decoderLayers(); layer++) {
                KeyValuePrefix prefix = PrefixTesting.prefix(adapter, pass, layer);
                NDArray keys = file.get("prefix.layers." + layer + ".key");
                NDArray values = file.get("prefix.layers." + layer + ".value");
                assertThat(prefix.keys().getShape()).isEqualTo(keys.getShape());
                assertThat(prefix.keys().toFloatArray()).as("layer %d keys", layer).containsExactly(keys.toFloatArray(), offset(1e-6f));
                assertThat(prefix.values().toFloatArray()).as("layer %d values", layer).containsExactly(values.toFloatArray(), offset(1e-6f));
            }
        }
    }

    /** {@code gpt2_real_token_prefix}: the prefix is the first 4 tokens of {@code gpt2_real_token_full}. */
    @Test
    void wordsInitReproducesPrependingTheWords() {
        try (NDManager pass = ARRAYS.manager().newSubManager()) {
            Map<String, NDArray> full = PrefixTesting.tensors(Golden.resolve("cases/gpt2_real_token_full.safetensors"), pass);
            Map<String, NDArray> withPrefix = PrefixTesting.tensors(Golden.resolve("cases/gpt2_real_token_prefix.safetensors"), pass);
            long[] fullIds = full.get("input_ids").toLongArray();
            long[] rest = withPrefix.get("input_ids").toLongArray();
            int words = fullIds.length - rest.length;
            assertThat(Arrays.copyOfRange(fullIds, words, fullIds.length)).containsExactly(rest);
            String ids = Arrays.stream(Arrays.copyOf(fullIds, words)).mapToObj(Long::toString).reduce((a, b) -> a + "," + b).orElseThrow();

            try (PrefixAdapter adapter = provider.create(provider.parseConfig(Map.of("init-ids", ids, "mlp-width", "0")), new AdapterContext(model, pass, 0))) {
                assertThat(adapter.prefixLength()).isEqualTo(words);
                for (int layer = 0; layer < model.geometry().decoderLayers(); layer++) {
                    KeyValuePrefix prefix = PrefixTesting.prefix(adapter, pass, layer);
                    assertThat(prefix.keys().toFloatArray()).containsExactly(withPrefix.get("prefix.layers." + layer + ".key").toFloatArray(), offset(1e-5f));
                    assertThat(prefix.values().toFloatArray()).containsExactly(withPrefix.get("prefix.layers." + layer + ".value").toFloatArray(), offset(1e-5f));
                }
                NDArray logits = model.forward(ForwardInput.of(withPrefix.get("input_ids")), adapter.hooks(new ForwardContext(pass, 1, false)));

                assertThat(logits.toFloatArray()).containsExactly(withPrefix.get("logits").toFloatArray(), offset(1e-4f));
                NDArray lastRowsOfFull = full.get("logits").get(new NDIndex(":, {}:", words));
                assertThat(logits.toFloatArray()).containsExactly(lastRowsOfFull.toFloatArray(), offset(1e-4f));
            }
        }
    }
}
