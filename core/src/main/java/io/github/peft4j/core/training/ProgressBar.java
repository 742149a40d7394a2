package io.github.peft4j.core.training;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress line on a terminal: step, loss, learning rate, tokens/s and time left. On a terminal it redraws
 * one line; otherwise (a log file, CI) it prints a line every {@code everySteps} steps and at the end.
 */
public final class ProgressBar implements TrainingListener {
    private static final int WIDTH = 24;

    private final PrintWriter out;
    private final boolean interactive;
    private final long everySteps;
    private long firstStep;
    private long started;

    public ProgressBar(PrintWriter out, boolean interactive, long everySteps) {
        this.out = out;
        this.interactive = interactive;
        this.everySteps = Math.max(1, everySteps);
    }

    /** For a stream shown to a person: redraws in place when a console is attached, else a line every 50 steps. */
    public static ProgressBar on(PrintWriter out) {
        return new ProgressBar(out, System.console() != null, 50);
    }

    @Override
    public void onStart(TrainingPlan plan) {
        firstStep = plan.firstStep();
        started = System.nanoTime();
        out.printf(Locale.ROOT, "Training %,d parameters for %d steps (%d per epoch, %d examples)%s%n", plan.trainableParameters(),
                plan.totalSteps(), plan.stepsPerEpoch(), plan.examples(), plan.firstStep() > 1 ? ", resuming at step " + plan.firstStep() : "");
    }

    @Override
    public void onStep(StepMetrics step) {
        boolean last = step.step() == step.totalSteps();
        if (!interactive && step.step() % everySteps != 0 && !last) {
            return;
        }
        double elapsed = (System.nanoTime() - started) / 1e9;
        long done = step.step() - firstStep + 1;
        double eta = done > 0 ? elapsed / done * (step.totalSteps() - step.step()) : 0;
        int filled = (int) (WIDTH * step.step() / Math.max(1, step.totalSteps()));
        String line = String.format(Locale.ROOT, "[%s%s] %d/%d epoch %d loss %.4f lr %.2e %.0f tok/s ETA %s",
                "#".repeat(filled), ".".repeat(WIDTH - filled), step.step(), step.totalSteps(), step.epoch(), step.loss(),
                step.learningRate(), step.tokensPerSecond(), duration(eta));
        if (interactive) {
            out.print("\r" + line + (last ? System.lineSeparator() : ""));
        }
        else {
            out.println(line);
        }
        out.flush();
    }

    @Override
    public void onEvaluation(EvaluationMetrics evaluation) {
        out.printf(Locale.ROOT, "%sdev loss %.4f after step %d%s%n", interactive ? System.lineSeparator() : "", evaluation.loss(),
                evaluation.step(), evaluation.best() ? " (best so far)" : "");
    }

    @Override
    public void onEnd(TrainingResult result) {
        out.printf(Locale.ROOT, "Done: %d steps, last loss %.4f%s%s%n", result.steps(), result.lastLoss(),
                result.bestDevLoss().isPresent() ? String.format(Locale.ROOT, ", best dev loss %.4f", result.bestDevLoss().getAsDouble()) : "",
                result.stoppedEarly() ? " (stopped early)" : "");
    }

    static String duration(double seconds) {
        long total = Math.round(seconds);
        return total >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", total / 3600, total % 3600 / 60)
                : String.format(Locale.ROOT, "%dm%02ds", total / 60, total % 60);
    }
}
