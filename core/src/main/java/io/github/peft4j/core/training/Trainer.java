package io.github.peft4j.core.training;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.github.peft4j.core.io.AtomicFiles;
import io.github.peft4j.core.training.optim.AdamW;
import io.github.peft4j.core.training.optim.AdamWConfig;
import io.github.peft4j.core.training.optim.GradientClipping;
import io.github.peft4j.core.training.optim.LearningRateSchedule;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.ForwardContext;
import io.github.peft4j.spi.ModelBackend;
import io.github.peft4j.spi.ParameterEfficientAdapter;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.SpecialTokens;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Trains a set of parameters of a frozen backend on examples: causal-LM batches ({@link CausalLmBatch}, shifted loss)
 * for a decoder-only model, seq2seq batches ({@link Seq2SeqBatch}, unshifted loss) when the backend's geometry
 * {@linkplain io.github.peft4j.spi.ModelGeometry#isEncoderDecoder() is encoder-decoder}; the latter pad with the
 * model's pad id and start the decoder with its decoder start id ({@link ModelBackend#specialTokens()}). What is trained is given as its
 * parameters and the hooks they produce: an adapter's parameters and hooks, or (for the paper's baselines) some of
 * the backend's own weights with {@link AdapterHooks#NONE}.
 *
 * <p>Each optimizer step runs in its own sub-manager that is closed afterwards, so memory stays flat; the
 * gradients of the trainable parameters are the only arrays that outlive a step. With a run directory, a
 * checkpoint is written every {@code checkpointEverySteps} steps and at the end, and a run started on a directory
 * that holds one continues exactly where it stopped (same data order, parameters and optimizer moments, and the
 * same dropout masks: each training pass's {@link ForwardContext#randomSeed()} is derived from the run's seed, the
 * step and the micro-batch).
 */
public final class Trainer {
    /** What is trained. */
    public interface Trainable {
        /** The parameters the optimizer updates, by stable name. */
        Map<String, NDArray> parameters();

        /** The hooks of one forward pass (computed from the parameters inside the gradient collector). */
        AdapterHooks hooks(ForwardContext context);

        /** An adapter's parameters and hooks. */
        static Trainable of(ParameterEfficientAdapter adapter) {
            return new Trainable() {
                @Override
                public Map<String, NDArray> parameters() {
                    return adapter.trainableParameters();
                }

                @Override
                public AdapterHooks hooks(ForwardContext context) {
                    return adapter.hooks(context);
                }
            };
        }
    }

    private final ModelBackend backend;
    private final Trainable trainable;
    private final TrainingConfig config;
    private final long padId;
    private final List<TrainingListener> listeners;

    /**
     * @param padId what causal-LM batches pad with (under mask 0), and seq2seq batches when the model names no pad
     *     id
     */
    public Trainer(ModelBackend backend, Trainable trainable, TrainingConfig config, long padId, List<TrainingListener> listeners) {
        this.backend = requireNonNull(backend, "backend");
        this.trainable = requireNonNull(trainable, "trainable");
        this.config = requireNonNull(config, "config");
        this.padId = padId;
        this.listeners = List.copyOf(listeners);
    }

    /**
     * Trains on {@code train}, evaluating on {@code dev} (may be empty).
     *
     * @param runDirectory where checkpoints go; a checkpoint already there is resumed
     * @param checkpointEverySteps write a checkpoint this often (0 = only at the end)
     * @param saveBest fills a directory with the model whenever the dev loss improves (e.g. an adapter export); it
     *     replaces {@code runDirectory/best} atomically
     */
    public TrainingResult train(List<TrainingExample> train, List<TrainingExample> dev, Optional<Path> runDirectory,
            long checkpointEverySteps, Consumer<Path> saveBest) {
        if (train.isEmpty()) {
            throw new PeftException(StandardErrorCode.MALFORMED_DATASET, "The training set is empty");
        }
        if (checkpointEverySteps < 0) {
            throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "The checkpoint interval must be at least 0 (0 = only at the end), got "
                    + checkpointEverySteps);
        }
        Map<String, NDArray> parameters = trainable.parameters();
        NDManager root = parameters.values().iterator().next().getManager().newSubManager();
        parameters.values().forEach(p -> p.setRequiresGradient(true));
        try (AdamW optimizer = new AdamW(parameters, new AdamWConfig(0.9, 0.999, 1e-8, config.weightDecay()))) {
            Optional<Path> checkpointDirectory = runDirectory.map(run -> run.resolve("checkpoint"));
            TrainingCheckpoint.State state = checkpointDirectory
                    .flatMap(dir -> TrainingCheckpoint.load(dir, parameters, optimizer, root, config, train.size()))
                    .orElse(TrainingCheckpoint.State.start());
            long totalSteps = config.totalSteps(train.size());
            long stepsPerEpoch = config.stepsPerEpoch(train.size());
            LearningRateSchedule schedule = config.schedule() == TrainingConfig.Schedule.LINEAR
                    ? LearningRateSchedule.linear(config.learningRate(), config.warmupSteps(), totalSteps)
                    : LearningRateSchedule.constant(config.learningRate());
            long parameterCount = parameters.values().stream().mapToLong(NDArray::size).sum();
            TrainingPlan plan = new TrainingPlan(state.step() + 1, totalSteps, stepsPerEpoch, train.size(), parameterCount);
            listeners.forEach(l -> l.onStart(plan));

            // A run that stopped early and is resumed stays stopped, as its checkpoint says.
            boolean stoppedEarly = patienceRunOut(state);
            while (state.step() < totalSteps && !stoppedEarly) {
                List<List<TrainingExample>> batches = batchesOf(train, state.epoch());
                int batchIndex = state.batchInEpoch();
                while (batchIndex < batches.size() && state.step() < totalSteps) {
                    int take = Math.min(config.gradientAccumulation(), batches.size() - batchIndex);
                    StepMetrics metrics = step(root, optimizer, batches.subList(batchIndex, batchIndex + take), schedule, state, totalSteps);
                    batchIndex += take;
                    state = new TrainingCheckpoint.State(metrics.step(), state.epoch(), batchIndex, metrics.loss(), state.bestDevLoss(),
                            state.evaluationsWithoutImprovement());
                    listeners.forEach(l -> l.onStep(metrics));
                    boolean endOfEpoch = batchIndex >= batches.size();
                    boolean evaluate = !dev.isEmpty() && (config.evalEverySteps() > 0 ? state.step() % config.evalEverySteps() == 0 : endOfEpoch);
                    if (evaluate) {
                        state = evaluate(root, dev, state, runDirectory.map(run -> run.resolve("best")), saveBest);
                        stoppedEarly = patienceRunOut(state);
                    }
                    if (endOfEpoch) {
                        state = new TrainingCheckpoint.State(state.step(), state.epoch() + 1, 0, state.lastLoss(), state.bestDevLoss(),
                                state.evaluationsWithoutImprovement());
                    }
                    boolean last = state.step() >= totalSteps || stoppedEarly;
                    if (checkpointDirectory.isPresent() && (last || (checkpointEverySteps > 0 && state.step() % checkpointEverySteps == 0))) {
                        TrainingCheckpoint.save(checkpointDirectory.get(), state, parameters, optimizer);
                    }
                    if (stoppedEarly) {
                        break;
                    }
                }
            }
            TrainingResult result = new TrainingResult(state.step(), state.lastLoss(),
                    Double.isNaN(state.bestDevLoss()) ? OptionalDouble.empty() : OptionalDouble.of(state.bestDevLoss()), stoppedEarly);
            listeners.forEach(l -> l.onEnd(result));
            return result;
        }
        finally {
            parameters.values().forEach(p -> p.setRequiresGradient(false));
            root.close();
        }
    }

    private boolean patienceRunOut(TrainingCheckpoint.State state) {
        return config.earlyStoppingPatience() > 0 && state.evaluationsWithoutImprovement() >= config.earlyStoppingPatience();
    }

    /** The mean loss per predicted token of {@code examples}, without gradients. */
    public double evaluate(List<TrainingExample> examples, NDManager manager) {
        double weighted = 0;
        long predicted = 0;
        for (int start = 0; start < examples.size(); start += config.batchSize()) {
            TrainingBatch batch = batchOf(examples.subList(start, Math.min(examples.size(), start + config.batchSize())));
            try (NDManager pass = manager.newSubManager()) {
                NDArray logits = backend.forward(batch.toInput(pass), trainable.hooks(new ForwardContext(pass, batch.rows(), false)));
                weighted += batch.loss(logits).getFloat() * batch.predictedTokens();
                predicted += batch.predictedTokens();
            }
        }
        return weighted / predicted;
    }

    private TrainingCheckpoint.State evaluate(NDManager root, List<TrainingExample> dev, TrainingCheckpoint.State state,
            Optional<Path> bestDirectory, Consumer<Path> saveBest) {
        double loss = evaluate(dev, root);
        boolean best = Double.isNaN(state.bestDevLoss()) || loss < state.bestDevLoss();
        if (best) {
            bestDirectory.ifPresent(directory -> AtomicFiles.replaceDirectory(directory, saveBest));
        }
        EvaluationMetrics metrics = new EvaluationMetrics(state.step(), state.epoch() + 1, loss, best);
        listeners.forEach(l -> l.onEvaluation(metrics));
        return new TrainingCheckpoint.State(state.step(), state.epoch(), state.batchInEpoch(), state.lastLoss(),
                best ? loss : state.bestDevLoss(), best ? 0 : state.evaluationsWithoutImprovement() + 1);
    }

    private StepMetrics step(NDManager root, AdamW optimizer, List<List<TrainingExample>> microBatches, LearningRateSchedule schedule,
            TrainingCheckpoint.State state, long totalSteps) {
        long began = System.nanoTime();
        double lossSum = 0;
        long tokens = 0;
        try (NDManager step = root.newSubManager()) {
            NDArray accumulation = step.full(new Shape(), (float) microBatches.size());
            for (int microBatch = 0; microBatch < microBatches.size(); microBatch++) {
                TrainingBatch batch = batchOf(microBatches.get(microBatch));
                try (GradientCollector collector = step.getEngine().newGradientCollector()) {
                    ForwardContext pass = new ForwardContext(step, batch.rows(), true, OptionalLong.of(passSeed(config.seed(), state.step() + 1, microBatch)));
                    AdapterHooks hooks = trainable.hooks(pass);
                    NDArray loss;
                    // The logits go once the loss has them (autograd keeps what backward needs): one LM-head-sized
                    // array less at the peak of the step.
                    try (NDArray logits = backend.forward(batch.toInput(step), hooks)) {
                        loss = batch.loss(logits);
                    }
                    collector.backward(microBatches.size() == 1 ? loss : loss.div(accumulation));
                    lossSum += loss.getFloat();
                }
                tokens += batch.tokens();
            }
            List<NDArray> parameters = new ArrayList<>(trainable.parameters().values());
            double gradientNorm = GradientClipping.clipByGlobalNorm(parameters,
                    config.maxGradNorm() > 0 ? config.maxGradNorm() : Double.POSITIVE_INFINITY);
            double loss = lossSum / microBatches.size();
            if (!Double.isFinite(loss) || !Double.isFinite(gradientNorm)) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, "Training diverged at step " + (state.step() + 1) + " (loss " + loss
                        + ", gradient norm " + gradientNorm + "): lower the learning rate or enable gradient clipping");
            }
            double rate = schedule.rate(state.step());
            optimizer.step(rate); // leaves the gradients zero for the next step
            return new StepMetrics(state.step() + 1, totalSteps, state.epoch() + 1, loss, rate, gradientNorm, tokens,
                    (System.nanoTime() - began) / 1e9);
        }
    }

    /**
     * The seed of micro-batch {@code microBatch} of optimizer step {@code step}: a function of the run's seed and of
     * counters a checkpoint holds, so that a resumed run draws the dropout masks the uninterrupted run drew.
     */
    static long passSeed(long runSeed, long step, int microBatch) {
        return new SplittableRandom((runSeed * 0x9E3779B97F4A7C15L + step) * 0xBF58476D1CE4E5B9L + microBatch).nextLong();
    }

    /** A causal-LM batch, or a seq2seq batch for an encoder-decoder model. */
    private TrainingBatch batchOf(List<TrainingExample> examples) {
        if (!backend.geometry().isEncoderDecoder()) {
            return CausalLmBatch.of(examples, padId);
        }
        SpecialTokens tokens = backend.specialTokens();
        long decoderStart = tokens.decoderStart().orElseThrow(() -> new PeftException(StandardErrorCode.MALFORMED_CONFIG, "The "
                + backend.family() + " model names no decoder start token (decoder_start_token_id), which seq2seq training starts the decoder with"));
        return Seq2SeqBatch.of(examples, tokens.pad().orElse(padId), decoderStart);
    }

    /** The epoch's batches: a seeded shuffle of the examples (or their order), cut into batches. */
    private List<List<TrainingExample>> batchesOf(List<TrainingExample> examples, int epoch) {
        List<TrainingExample> order = new ArrayList<>(examples);
        if (config.shuffle()) {
            Collections.shuffle(order, new Random(config.seed() * 1_000_003L + epoch));
        }
        List<List<TrainingExample>> batches = new ArrayList<>();
        for (int start = 0; start < order.size(); start += config.batchSize()) {
            batches.add(order.subList(start, Math.min(order.size(), start + config.batchSize())));
        }
        return batches;
    }
}
