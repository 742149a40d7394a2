package io.github.peft4j.adapter.prefix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.peft4j.core.training.EvaluationMetrics;
import io.github.peft4j.core.training.JsonlExamples;
import io.github.peft4j.core.training.StepMetrics;
import io.github.peft4j.core.training.Trainer;
import io.github.peft4j.core.training.TrainingConfig;
import io.github.peft4j.core.training.TrainingExample;
import io.github.peft4j.core.training.TrainingListener;
import io.github.peft4j.core.training.TrainingResult;
import io.github.peft4j.model.gpt2.Gpt2BackendProvider;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ParameterEfficientAdapter;
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
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The training engine driving the prefix adapter through the API. */
final class TestPrefixTraining {
    @TempDir
    Path directory;

    @ParameterizedTest
    @CsvSource({"gpt2_direct, 0, 0.05", "gpt2_mlp, 32, 0.01"})
    void reproducesTheGoldenTrajectoryAndLeavesTheBaseModelUntouched(String name, int mlpWidth, double learningRate) throws IOException {
        Path golden = Golden.resolve("train/" + name);
        JsonNode expected = new ObjectMapper().readTree(golden.resolve("expected.json").toFile());
        try (NDManager manager = NDManager.newBaseManager("PyTorch"); ModelBackend model = AdapterTesting.goldenModel(new Gpt2BackendProvider(), manager)) {
            Map<String, float[]> baseBefore = snapshot(model.baseParameters());
            ParameterEfficientAdapter adapter = new PrefixAdapterProvider().create(Map.of(PrefixConfig.LENGTH, "5",
                    PrefixConfig.MLP_WIDTH, Integer.toString(mlpWidth), PrefixConfig.INIT_FILE, golden.resolve("init.safetensors").toString()),
                    new AdapterContext(model, manager, 0));
            List<Double> losses = new ArrayList<>();
            TrainingConfig config = new TrainingConfig(learningRate, TrainingConfig.Schedule.CONSTANT, 0, 1, OptionalLong.of(5), 3, 1, 0, 0, false, 1, 0, 0);

            train(model, adapter, config, JsonlExamples.read(golden.resolve("data.jsonl"), Optional.empty(), 999), List.of(),
                    Optional.empty(), step -> losses.add(step.loss()));

            for (int i = 0; i < 5; i++) {
                double reference = expected.get("losses").get(i).asDouble();
                assertThat(losses.get(i)).as("loss before step %d", i + 1).isCloseTo(reference, within(reference * 1e-5));
            }
            Map<String, NDArray> wanted = PrefixTesting.tensors(golden.resolve("final.safetensors"), manager);
            adapter.trainableParameters().forEach((parameter, array) ->
                    assertThat(array.toFloatArray()).as(parameter).containsExactly(wanted.get(parameter).toFloatArray(), offset(Golden.TRAINED_PARAMETER_TOLERANCE)));
            model.baseParameters().forEach((parameter, array) ->
                    assertThat(array.toFloatArray()).as(parameter).containsExactly(baseBefore.get(parameter)));
            adapter.close();
        }
    }

    @Test
    void memoryStaysFlatOverAThousandSteps() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch"); ModelBackend model = AdapterTesting.tinyModel(new Gpt2BackendProvider(), directory, 2, manager)) {
            ParameterEfficientAdapter adapter = new PrefixAdapterProvider().create(Map.of(PrefixConfig.LENGTH, "4", PrefixConfig.MLP_WIDTH, "32"),
                    new AdapterContext(model, manager, 1));
            List<TrainingExample> data = List.of(new TrainingExample(new long[] {1, 2, 3}, new long[] {4, 5}),
                    new TrainingExample(new long[] {6}, new long[] {7, 8, 9}), new TrainingExample(new long[] {10, 11}, new long[] {12}));
            long[] liveArrays = new long[2];
            TrainingConfig config = new TrainingConfig(1e-3, TrainingConfig.Schedule.LINEAR, 10, 1, OptionalLong.of(1000), 2, 2, 1.0, 0.01, true, 3, 0, 0);

            TrainingResult result = train(model, adapter, config, data, List.of(), Optional.empty(), step -> {
                if (step.step() == 10) {
                    liveArrays[0] = ((BaseNDManager) manager).getManagedArrays().size();
                }
                if (step.step() == 1000) {
                    liveArrays[1] = ((BaseNDManager) manager).getManagedArrays().size();
                }
            });

            assertThat(result.steps()).isEqualTo(1000);
            assertThat(liveArrays[0]).isPositive();
            assertThat(liveArrays[1]).as("live arrays after 1000 steps vs after 10").isEqualTo(liveArrays[0]);
            adapter.close();
        }
    }

    @Test
    void earlyStoppingStopsAfterPatienceAndKeepsTheBestAdapter() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch"); ModelBackend model = AdapterTesting.tinyModel(new Gpt2BackendProvider(), directory.resolve("model"), 4, manager)) {
            ParameterEfficientAdapter adapter = new PrefixAdapterProvider().create(Map.of(PrefixConfig.LENGTH, "2", PrefixConfig.MLP_WIDTH, "0"),
                    new AdapterContext(model, manager, 1));
            // Training teaches 1 2 -> 3 with a large rate; the dev set wants 1 2 -> 4, so its loss soon stops improving.
            List<TrainingExample> train = List.of(new TrainingExample(new long[] {1, 2}, new long[] {3}));
            List<TrainingExample> dev = List.of(new TrainingExample(new long[] {1, 2}, new long[] {4}));
            TrainingConfig config = new TrainingConfig(0.2, TrainingConfig.Schedule.CONSTANT, 0, 1, OptionalLong.of(200), 1, 1, 0, 0, false, 1, 1, 2);
            Path run = directory.resolve("run");
            List<EvaluationMetrics> evaluations = new ArrayList<>();

            TrainingResult result = train(model, adapter, config, train, dev, Optional.of(run), new TrainingListener() {
                @Override
                public void onEvaluation(EvaluationMetrics evaluation) {
                    evaluations.add(evaluation);
                }
            });

            int best = 0;
            for (int i = 1; i < evaluations.size(); i++) {
                best = evaluations.get(i).loss() < evaluations.get(best).loss() ? i : best;
            }
            assertThat(result.stoppedEarly()).isTrue();
            assertThat(evaluations).as("stops two evaluations after the best").hasSize(best + 3);
            assertThat(evaluations.get(best).best()).isTrue();
            assertThat(result.bestDevLoss()).hasValue(evaluations.get(best).loss());
            ParameterEfficientAdapter kept = new PrefixAdapterProvider().load(run.resolve("best"), new AdapterContext(model, manager, 1));
            double keptLoss = new Trainer(model, Trainer.Trainable.of(kept), config, 0, List.of()).evaluate(dev, manager);
            assertThat(keptLoss).as("best/ holds the adapter of the best evaluation").isCloseTo(evaluations.get(best).loss(), within(1e-5));
            kept.close();
            adapter.close();
        }
    }

    @Test
    void aRunWithDropoutResumedFromACheckpointEqualsTheUninterruptedRun() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch"); ModelBackend model = AdapterTesting.tinyModel(new Gpt2BackendProvider(), directory.resolve("model"), 5, manager)) {
            List<TrainingExample> data = List.of(new TrainingExample(new long[] {1, 2, 3}, new long[] {4, 5}),
                    new TrainingExample(new long[] {6}, new long[] {7, 8, 9}), new TrainingExample(new long[] {10, 11}, new long[] {12}),
                    new TrainingExample(new long[] {13, 14}, new long[] {15, 16}), new TrainingExample(new long[] {17}, new long[] {18}));
            // Two micro-batches per step: each gets its own masks.
            TrainingConfig config = new TrainingConfig(1e-2, TrainingConfig.Schedule.LINEAR, 2, 1, OptionalLong.of(8), 2, 2, 1.0, 0, true, 3, 0, 0);
            Map<Long, Double> uninterrupted = new LinkedHashMap<>();
            Map<String, float[]> uninterruptedParameters = trainWithDropout(model, manager, config, data, directory.resolve("whole"), "0.3",
                    step -> uninterrupted.put(step.step(), step.loss()));

            Path interrupted = directory.resolve("interrupted");
            Map<Long, Double> losses = new LinkedHashMap<>();
            assertThatThrownBy(() -> trainWithDropout(model, manager, config, data, interrupted, "0.3", step -> {
                losses.put(step.step(), step.loss());
                if (step.step() == 5) {
                    throw new IllegalStateException("crash after the checkpoint of step 3");
                }
            })).hasMessageContaining("crash");
            Map<String, float[]> resumedParameters = trainWithDropout(model, manager, config, data, interrupted, "0.3",
                    step -> losses.put(step.step(), step.loss()));

            assertThat(losses).as("steps 4 and 5 are redone with the same masks").containsExactlyEntriesOf(uninterrupted);
            resumedParameters.forEach((name, values) -> assertThat(values).as(name).containsExactly(uninterruptedParameters.get(name)));
            Map<Long, Double> withoutDropout = new LinkedHashMap<>();
            trainWithDropout(model, manager, config, data, directory.resolve("no-dropout"), "0", step -> withoutDropout.put(step.step(), step.loss()));
            assertThat(withoutDropout.get(2L)).as("dropout is on").isNotEqualTo(uninterrupted.get(2L));
        }
    }

    /** Trains a new adapter (with dropout {@code dropout}) in {@code run}, checkpointing every 3 steps; its final parameters. */
    private static Map<String, float[]> trainWithDropout(ModelBackend model, NDManager manager, TrainingConfig config, List<TrainingExample> data,
            Path run, String dropout, Consumer<StepMetrics> onStep) {
        try (ParameterEfficientAdapter adapter = new PrefixAdapterProvider().create(Map.of(PrefixConfig.LENGTH, "3", PrefixConfig.MLP_WIDTH, "16",
                PrefixConfig.DROPOUT, dropout), new AdapterContext(model, manager, 1))) {
            new Trainer(model, Trainer.Trainable.of(adapter), config, model.eosTokenIds().iterator().next(), List.of(new TrainingListener() {
                @Override
                public void onStep(StepMetrics step) {
                    onStep.accept(step);
                }
            })).train(data, List.of(), Optional.of(run), 3, adapter::export);
            return snapshot(adapter.trainableParameters());
        }
    }

    private static TrainingResult train(ModelBackend model, ParameterEfficientAdapter adapter, TrainingConfig config, List<TrainingExample> train,
            List<TrainingExample> dev, Optional<Path> run, Consumer<StepMetrics> onStep) {
        return train(model, adapter, config, train, dev, run, new TrainingListener() {
            @Override
            public void onStep(StepMetrics step) {
                onStep.accept(step);
            }
        });
    }

    private static TrainingResult train(ModelBackend model, ParameterEfficientAdapter adapter, TrainingConfig config, List<TrainingExample> train,
            List<TrainingExample> dev, Optional<Path> run, TrainingListener listener) {
        return new Trainer(model, Trainer.Trainable.of(adapter), config, model.eosTokenIds().iterator().next(), List.of(listener))
                .train(train, dev, run, 0, adapter::export);
    }

    private static Map<String, float[]> snapshot(Map<String, NDArray> arrays) {
        Map<String, float[]> copy = new LinkedHashMap<>();
        arrays.forEach((name, array) -> copy.put(name, array.toFloatArray()));
        return copy;
    }
}
