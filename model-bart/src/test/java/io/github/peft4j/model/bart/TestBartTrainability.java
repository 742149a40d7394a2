package io.github.peft4j.model.bart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.peft4j.core.format.LayerPrefixes;
import io.github.peft4j.core.safetensors.SafetensorsFile;
import io.github.peft4j.core.training.JsonlExamples;
import io.github.peft4j.core.training.Seq2SeqBatch;
import io.github.peft4j.core.training.optim.AdamW;
import io.github.peft4j.core.training.optim.AdamWConfig;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.AttentionSite;
import io.github.peft4j.spi.KeyValuePrefix;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.Stack;
import io.github.peft4j.testing.Golden;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The backend is trainable as the golden BART trajectories were trained: gradients reach a prefix through the
 * encoder, decoder and cross-attention, with hand-built hooks, the training engine's seq2seq batch
 * ({@link Seq2SeqBatch}) and its unshifted loss (the adapter-level trajectories are in adapters-prefix's
 * {@code TestPrefixSeq2SeqTraining}).
 */
final class TestBartTrainability {
    private static final long PAD = 1;
    private static final long START = 2;

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

    /**
     * PEFT's seq2seq prefix trained directly ({@code [P, L*2*d]}), decoder positions from P: all five steps and the
     * result. PEFT duplicates the rows for its two transformer submodules and hands every decoder layer the
     * legacy cache {@code (K0, V0, K1, V1)}, of which only the self-attention pair reaches the model: every decoder
     * layer's self-attention prefix is the rows' layer-0 keys/values, and the layer-1 columns never train (the
     * golden {@code prefix.decoder.1.*} equal {@code prefix.decoder.0.*}).
     */
    @Test
    void reproducesThePeftDirectTrajectory() throws IOException {
        Path golden = Golden.resolve("train/bart_peft_direct");
        JsonNode expected = new ObjectMapper().readTree(golden.resolve("expected.json").toFile());
        int length = expected.get("P").asInt();
        Seq2SeqBatch batch = batch(golden);
        try (NDManager training = manager.newSubManager()) {
            NDArray rows = tensors(golden.resolve("init.safetensors"), training).get("prefix_module.embedding.weight");
            rows.setRequiresGradient(true);
            List<Double> losses = new ArrayList<>();
            try (AdamW optimizer = new AdamW(Map.of("prefix_module.embedding.weight", rows), AdamWConfig.DEFAULT)) {
                for (int step = 0; step < expected.get("steps").asInt(); step++) {
                    try (NDManager pass = training.newSubManager(); GradientCollector collector = pass.getEngine().newGradientCollector()) {
                        KeyValuePrefix first = LayerPrefixes.fromRows(rows, model.geometry(), AttentionSite.DECODER_SELF, length).layers().get(0);
                        AdapterHooks hooks = peftSeq2SeqHooks(first, length);
                        NDArray loss = batch.loss(model.forward(batch.toInput(pass), hooks));
                        collector.backward(loss);
                        losses.add((double) loss.getFloat());
                    }
                    optimizer.step(expected.get("lr").asDouble());
                    try (NDArray gradient = rows.getGradient()) {
                        gradient.subi(gradient);
                    }
                }
            }
            for (int i = 0; i < losses.size(); i++) {
                double reference = expected.get("losses").get(i).asDouble();
                assertThat(losses.get(i)).as("loss before step %d", i + 1).isCloseTo(reference, within(reference * 1e-5));
            }
            Map<String, NDArray> initial = tensors(golden.resolve("init.safetensors"), training);
            float[] wanted = tensors(golden.resolve("final.safetensors"), training).get("prefix_module.embedding.weight").toFloatArray();
            assertThat(rows.toFloatArray()).containsExactly(wanted, offset(1e-5f));
            assertThat(rows.get(new NDIndex(":, 128:")).toFloatArray()).as("the layer-1 columns stay as they were")
                    .containsExactly(initial.get("prefix_module.embedding.weight").get(new NDIndex(":, 128:")).toFloatArray());
        }
    }

    /**
     * Li &amp; Liang's three parts, each through its own MLP ({@code Embedding(P, d) -> Linear(d, h) -> tanh ->
     * Linear(h, L*2*d)}, rows viewed as {@code [L, 2, heads, headDim]}), positions from 0: all five steps and every
     * trained weight. Gradients reach the encoder prefix through the encoder and the cross-attention.
     */
    @Test
    void reproducesTheLiLiangMlpTrajectory() throws IOException {
        Path golden = Golden.resolve("train/bart_liliang_mlp");
        JsonNode expected = new ObjectMapper().readTree(golden.resolve("expected.json").toFile());
        Seq2SeqBatch batch = batch(golden);
        Map<String, float[]> baseBefore = new HashMap<>();
        model.baseParameters().forEach((name, array) -> baseBefore.put(name, array.toFloatArray()));
        try (NDManager training = manager.newSubManager()) {
            Map<String, NDArray> parameters = new LinkedHashMap<>();
            tensors(golden.resolve("init.safetensors"), training).forEach((name, array) -> {
                if (name.startsWith("prefix_module.")) {
                    array.setRequiresGradient(true);
                    parameters.put(name, array);
                }
            });
            Map<AttentionSite, String> parts = Map.of(AttentionSite.ENCODER_SELF, "encoder", AttentionSite.DECODER_SELF, "decoder",
                    AttentionSite.DECODER_CROSS, "cross");
            List<Double> losses = new ArrayList<>();
            try (AdamW optimizer = new AdamW(parameters, AdamWConfig.DEFAULT)) {
                for (int step = 0; step < expected.get("steps").asInt(); step++) {
                    try (NDManager pass = training.newSubManager(); GradientCollector collector = pass.getEngine().newGradientCollector()) {
                        Map<AttentionSite, List<KeyValuePrefix>> prefixes = new EnumMap<>(AttentionSite.class);
                        parts.forEach((site, part) -> prefixes.put(site,
                                LayerPrefixes.fromRows(mlpRows(parameters, "prefix_module." + part + "."), model.geometry(), site, 0).layers()));
                        AdapterHooks hooks = new AdapterHooks() {
                            @Override
                            public Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
                                return Optional.of(prefixes.get(site).get(layer));
                            }
                        };
                        NDArray loss = batch.loss(model.forward(batch.toInput(pass), hooks));
                        collector.backward(loss);
                        losses.add((double) loss.getFloat());
                    }
                    optimizer.step(expected.get("lr").asDouble());
                    for (NDArray parameter : parameters.values()) {
                        try (NDArray gradient = parameter.getGradient()) {
                            gradient.subi(gradient);
                        }
                    }
                }
            }
            for (int i = 0; i < losses.size(); i++) {
                double reference = expected.get("losses").get(i).asDouble();
                assertThat(losses.get(i)).as("loss before step %d", i + 1).isCloseTo(reference, within(reference * 1e-5));
            }
            Map<String, NDArray> wanted = tensors(golden.resolve("final.safetensors"), training);
            parameters.forEach((name, array) -> assertThat(array.toFloatArray()).as(name).containsExactly(wanted.get(name).toFloatArray(), offset(1e-5f)));
        }
        model.baseParameters().forEach((name, array) -> assertThat(array.toFloatArray()).as("frozen %s", name).containsExactly(baseBefore.get(name)));
        assertThat(model.baseParameters().values()).allMatch(array -> !array.hasGradient());
    }

    /** {@code tanh(E W0^T + b0) W2^T + b2}: a part's rows {@code [P, L*2*d]}. */
    private static NDArray mlpRows(Map<String, NDArray> parameters, String part) {
        NDArray hidden = Linear.linear(parameters.get(part + "embedding.weight"), parameters.get(part + "transform.0.weight"),
                parameters.get(part + "transform.0.bias")).singletonOrThrow().tanh();
        return Linear.linear(hidden, parameters.get(part + "transform.2.weight"), parameters.get(part + "transform.2.bias")).singletonOrThrow();
    }

    private static AdapterHooks peftSeq2SeqHooks(KeyValuePrefix everyLayer, int length) {
        return new AdapterHooks() {
            @Override
            public Optional<KeyValuePrefix> attentionPrefix(AttentionSite site, int layer) {
                return site == AttentionSite.DECODER_SELF ? Optional.of(everyLayer) : Optional.empty();
            }

            @Override
            public int positionOffset(Stack stack) {
                return stack == Stack.DECODER ? length : 0;
            }
        };
    }

    /** All rows in one batch, by the production seq2seq batch (pad 1, decoder start 2) and its unshifted loss. */
    private static Seq2SeqBatch batch(Path golden) {
        return Seq2SeqBatch.of(JsonlExamples.read(golden.resolve("data.jsonl"), Optional.empty(), 2), PAD, START);
    }

    private static Map<String, NDArray> tensors(Path file, NDManager target) {
        Map<String, NDArray> tensors = new HashMap<>();
        try (SafetensorsFile safetensors = SafetensorsFile.open(file)) {
            safetensors.names().forEach(name -> tensors.put(name, safetensors.load(name, target)));
        }
        return tensors;
    }
}
