package io.github.peft4j.adapter.infix;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.github.peft4j.core.training.Trainer;
import io.github.peft4j.core.training.TrainingConfig;
import io.github.peft4j.core.training.TrainingExample;
import io.github.peft4j.core.training.TrainingResult;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ParameterEfficientAdapter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training engine drives infix-tuning like any adapter (on the golden GPT-2, whose weights are large enough to steer). */
final class TestInfixTraining {
    private static final List<TrainingExample> DATA = List.of(
            new TrainingExample(new long[] {1, 2, 3}, new long[] {4, 5, 6}),
            new TrainingExample(new long[] {7, 8}, new long[] {9, 10, 11, 12}),
            new TrainingExample(new long[] {13}, new long[] {14, 15}));

    @TempDir
    Path directory;

    @Test
    void trainingReducesTheLossAndTheBestAdapterLoadsBack() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch"); ModelBackend model = InfixTesting.goldenModel(manager)) {
            ParameterEfficientAdapter adapter = new InfixAdapterProvider().create(Map.of("length", "4", "mlp-width", "32"), new AdapterContext(model, manager, 1));
            TrainingConfig config = new TrainingConfig(1e-2, TrainingConfig.Schedule.CONSTANT, 0, 1, OptionalLong.of(60), 3, 1, 1.0, 0, false, 1, 20, 0);
            Trainer trainer = new Trainer(model, Trainer.Trainable.of(adapter), config, model.eosTokenIds().iterator().next(), List.of());
            double before = trainer.evaluate(DATA, manager);

            TrainingResult result = trainer.train(DATA, DATA, Optional.of(directory.resolve("run")), 0, adapter::export);

            double after = trainer.evaluate(DATA, manager);
            assertThat(result.steps()).isEqualTo(60);
            assertThat(after).as("loss after 60 steps (%s before)", before).isLessThan(before / 2);
            ParameterEfficientAdapter best = new InfixAdapterProvider().load(directory.resolve("run/best"), new AdapterContext(model, manager, 0));
            double bestLoss = new Trainer(model, Trainer.Trainable.of(best), config, 0, List.of()).evaluate(DATA, manager);
            assertThat(bestLoss).isCloseTo(result.bestDevLoss().orElseThrow(), org.assertj.core.api.Assertions.within(1e-4));
            best.close();
            adapter.close();
        }
    }
}
