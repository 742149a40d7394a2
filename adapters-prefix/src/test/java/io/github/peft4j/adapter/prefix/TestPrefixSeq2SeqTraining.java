package io.github.peft4j.adapter.prefix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.peft4j.core.training.JsonlExamples;
import io.github.peft4j.core.training.StepMetrics;
import io.github.peft4j.core.training.Trainer;
import io.github.peft4j.core.training.TrainingConfig;
import io.github.peft4j.core.training.TrainingExample;
import io.github.peft4j.core.training.TrainingListener;
import io.github.peft4j.model.bart.BartBackendProvider;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.testing.AdapterTesting;
import io.github.peft4j.testing.Golden;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training engine driving the prefix adapter on BART through the API: the golden seq2seq trajectories (one
 * batch of all rows, constant rate, no shuffle, no clipping), the per-part prefix tensors after them, and a base
 * model that stays bit-identical.
 */
final class TestPrefixSeq2SeqTraining {
    @TempDir
    Path directory;

    /** Li &amp; Liang's three parts, each through its own MLP, positions from 0: the default for BART. */
    @Test
    void reproducesTheLiLiangMlpTrajectory() throws IOException {
        Path golden = Golden.resolve("train/bart_liliang_mlp");
        try (NDManager manager = NDManager.newBaseManager("PyTorch"); ModelBackend model = AdapterTesting.goldenModel(new BartBackendProvider(), manager)) {
            PrefixAdapter adapter = (PrefixAdapter) new PrefixAdapterProvider().create(Map.of(PrefixConfig.LENGTH, "4", PrefixConfig.MLP_WIDTH, "32",
                    PrefixConfig.INIT_FILE, golden.resolve("init.safetensors").toString()), new AdapterContext(model, manager, 0));
            assertThat(adapter.sites()).containsExactly(AttentionSite.ENCODER_SELF, AttentionSite.DECODER_SELF, AttentionSite.DECODER_CROSS);
            assertThat(adapter.trainableParameters()).hasSize(15);

            Map<String, NDArray> wanted = trainAndCheck(model, adapter, golden, manager);

            try (NDManager pass = manager.newSubManager()) {
                AdapterHooks hooks = adapter.hooks(new ForwardContext(pass, 1, false));
                assertThat(hooks.positionOffset(Stack.ENCODER)).isZero();
                assertThat(hooks.positionOffset(Stack.DECODER)).isZero();
                Map<AttentionSite, String> parts = Map.of(AttentionSite.ENCODER_SELF, "encoder", AttentionSite.DECODER_SELF, "decoder",
                        AttentionSite.DECODER_CROSS, "cross");
                parts.forEach((site, part) -> {
                    for (int layer = 0; layer < 2; layer++) {
                        assertPrefix(hooks.attentionPrefix(site, layer).orElseThrow(), wanted, "prefix." + part + "." + layer);
                    }
                });
            }
            adapter.close();
        }
    }

    /**
     * Hugging Face PEFT's seq2seq prefix ({@code [P, L*2*d]}, trained directly): decoder self-attention only,
     * decoder positions from P, every decoder layer given the rows' layer-0 keys and values. The golden tensors
     * show the quirk: {@code prefix.decoder.1.*} equal {@code prefix.decoder.0.*} before and after, and the rows'
     * layer-1 columns never train.
     */
    @Test
    void reproducesThePeftDirectTrajectory() throws IOException {
        Path golden = Golden.resolve("train/bart_peft_direct");
        try (NDManager manager = NDManager.newBaseManager("PyTorch"); ModelBackend model = AdapterTesting.goldenModel(new BartBackendProvider(), manager)) {
            Map<String, NDArray> initial = PrefixTesting.tensors(golden.resolve("init.safetensors"), manager);
            for (String kv : List.of("key", "value")) {
                assertThat(initial.get("prefix.decoder.1." + kv).toFloatArray()).as("the golden data's quirk")
                        .containsExactly(initial.get("prefix.decoder.0." + kv).toFloatArray());
            }
            PrefixAdapter adapter = (PrefixAdapter) new PrefixAdapterProvider().create(Map.of(PrefixConfig.PARTS, "peft", PrefixConfig.MLP_WIDTH, "0",
                    PrefixConfig.INIT_FILE, golden.resolve("init.safetensors").toString()), new AdapterContext(model, manager, 0));
            assertThat(adapter.sites()).containsExactly(AttentionSite.DECODER_SELF);
            assertThat(adapter.trainableParameters()).containsOnlyKeys("prefix_module.embedding.weight");

            Map<String, NDArray> wanted = trainAndCheck(model, adapter, golden, manager);

            NDArray rows = adapter.trainableParameters().get("prefix_module.embedding.weight");
            assertThat(rows.get(new NDIndex(":, 128:")).toFloatArray()).as("the layer-1 columns stay as they were")
                    .containsExactly(initial.get("prefix_module.embedding.weight").get(new NDIndex(":, 128:")).toFloatArray());
            try (NDManager pass = manager.newSubManager()) {
                AdapterHooks hooks = adapter.hooks(new ForwardContext(pass, 1, false));
                assertThat(hooks.positionOffset(Stack.ENCODER)).isZero();
                assertThat(hooks.positionOffset(Stack.DECODER)).isEqualTo(4);
                assertThat(hooks.attentionPrefix(AttentionSite.ENCODER_SELF, 0)).isEmpty();
                assertThat(hooks.attentionPrefix(AttentionSite.DECODER_CROSS, 0)).isEmpty();
                for (int layer = 0; layer < 2; layer++) {
                    assertPrefix(hooks.attentionPrefix(AttentionSite.DECODER_SELF, layer).orElseThrow(), wanted, "prefix.decoder." + layer);
                }
            }
            adapter.close();
        }
    }

    /** Li &amp; Liang's three parts through an MLP: exported in peft4j's own layout and loaded back, same logits. */
    @Test
    void aLiLiangPrefixExportsAndLoadsBackWithTheSameLogits() throws IOException {
        Path golden = Golden.resolve("train/bart_liliang_mlp");
        assertRoundTrip(Map.of(PrefixConfig.LENGTH, "4", PrefixConfig.MLP_WIDTH, "32", PrefixConfig.INIT_FILE, golden.resolve("init.safetensors").toString()),
                "liliang", "zero", List.of("prefix_module.encoder.embedding.weight", "prefix_module.decoder.embedding.weight", "prefix_module.cross.embedding.weight"));
    }

    /** PEFT's decoder-only part on BART (positions from P, layer 0 everywhere) survives the round trip too. */
    @Test
    void aPeftPartsPrefixExportsAndLoadsBackWithTheSameLogits() throws IOException {
        Path golden = Golden.resolve("train/bart_peft_direct");
        assertRoundTrip(Map.of(PrefixConfig.PARTS, "peft", PrefixConfig.MLP_WIDTH, "0", PrefixConfig.INIT_FILE, golden.resolve("init.safetensors").toString()),
                "peft", "peft", List.of("prefix_module.embedding.weight"));
    }

    private void assertRoundTrip(Map<String, String> settings, String parts, String positions, List<String> names) throws IOException {
        PrefixAdapterProvider provider = new PrefixAdapterProvider();
        try (NDManager manager = NDManager.newBaseManager("PyTorch"); ModelBackend model = AdapterTesting.goldenModel(new BartBackendProvider(), manager);
                PrefixAdapter adapter = provider.create(provider.parseConfig(settings), new AdapterContext(model, manager, 0));
                NDManager pass = manager.newSubManager()) {
            ForwardInput input = ForwardInput.of(pass.create(new long[][] {{0, 5, 9, 2}, {0, 7, 2, 1}}))
                    .withAttentionMask(pass.create(new long[][] {{1, 1, 1, 1}, {1, 1, 1, 0}}))
                    .withDecoderInput(pass.create(new long[][] {{2, 0, 6}, {2, 0, 8}}), Optional.empty());
            float[] expected = model.forward(input, adapter.hooks(new ForwardContext(pass, 2, false))).toFloatArray();
            Path out = directory.resolve("export");
            adapter.export(out);

            JsonNode config = new ObjectMapper().readTree(out.resolve("adapter_config.json").toFile());
            assertThat(config.get("peft4j_method").asText()).isEqualTo("prefix");
            assertThat(config.get("parts").asText()).isEqualTo(parts);
            assertThat(config.get("positions").asText()).isEqualTo(positions);
            assertThat(PrefixTesting.tensors(out.resolve("adapter_model.safetensors"), manager)).containsOnlyKeys(names);
            try (PrefixAdapter loaded = provider.load(out, new AdapterContext(model, manager, 0))) {
                assertThat(loaded.trainableParameters()).containsOnlyKeys(names);
                assertThat(loaded.sites()).isEqualTo(adapter.sites());
                assertThat(loaded.exportedParameterCount()).isEqualTo(adapter.exportedParameterCount());
                assertThat(model.forward(input, loaded.hooks(new ForwardContext(pass, 2, false))).toFloatArray()).containsExactly(expected, offset(1e-5f));
            }
        }
    }

    /** Trains 5 steps as expected.json says; checks losses, trained parameters and the frozen base. */
    private static Map<String, NDArray> trainAndCheck(ModelBackend model, PrefixAdapter adapter, Path golden, NDManager manager) throws IOException {
        JsonNode expected = new ObjectMapper().readTree(golden.resolve("expected.json").toFile());
        Map<String, float[]> baseBefore = new LinkedHashMap<>();
        model.baseParameters().forEach((name, array) -> baseBefore.put(name, array.toFloatArray()));
        int steps = expected.get("steps").asInt();
        TrainingConfig config = new TrainingConfig(expected.get("lr").asDouble(), TrainingConfig.Schedule.CONSTANT, 0, 1, OptionalLong.of(steps), 16, 1, 0,
                expected.get("weight_decay").asDouble(), false, 1, 0, 0);
        List<Double> losses = new ArrayList<>();
        // The pad id given here is not what the batch pads with: BART names its own (1).
        Trainer trainer = new Trainer(model, Trainer.Trainable.of(adapter), config, 999, List.of(new TrainingListener() {
            @Override
            public void onStep(StepMetrics step) {
                losses.add(step.loss());
            }
        }));
        List<TrainingExample> data = JsonlExamples.read(golden.resolve("data.jsonl"), Optional.empty(), 2);
        double first = expected.get("losses").get(0).asDouble();
        assertThat(trainer.evaluate(data, manager)).as("evaluation builds the same seq2seq batch").isCloseTo(first, within(first * 1e-5));

        trainer.train(data, List.of(), Optional.empty(), 0, adapter::export);

        assertThat(losses).hasSize(steps);
        for (int i = 0; i < steps; i++) {
            double reference = expected.get("losses").get(i).asDouble();
            assertThat(losses.get(i)).as("loss before step %d", i + 1).isCloseTo(reference, within(reference * 1e-5));
        }
        Map<String, NDArray> wanted = PrefixTesting.tensors(golden.resolve("final.safetensors"), manager);
        adapter.trainableParameters().forEach((name, array) ->
                assertThat(array.toFloatArray()).as(name).containsExactly(wanted.get(name).toFloatArray(), offset(1e-5f)));
        model.baseParameters().forEach((name, array) -> assertThat(array.toFloatArray()).as("frozen %s", name).containsExactly(baseBefore.get(name)));
        assertThat(model.baseParameters().values()).allMatch(array -> !array.hasGradient());
        return wanted;
    }

    private static void assertPrefix(KeyValuePrefix prefix, Map<String, NDArray> wanted, String name) {
        assertThat(prefix.keys().toFloatArray()).as(name + ".key").containsExactly(wanted.get(name + ".key").toFloatArray(), offset(1e-5f));
        assertThat(prefix.values().toFloatArray()).as(name + ".value").containsExactly(wanted.get(name + ".value").toFloatArray(), offset(1e-5f));
    }
}
