package io.github.peft4j.core.training;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;

/**
 * A setting of a training run, by the CLI option that sets it and the {@code run.json} field that records it: bad
 * values name the option when the user typed them and the field when {@code run.json} holds them.
 */
enum TrainingOption {
    LEARNING_RATE("--lr", "training.learning_rate"),
    SCHEDULE("--schedule", "training.schedule"),
    WARMUP("--warmup", "training.warmup_steps"),
    EPOCHS("--epochs", "training.epochs"),
    STEPS("--steps", "training.max_steps"),
    BATCH_SIZE("--batch-size", "training.batch_size"),
    GRADIENT_ACCUMULATION("--grad-accum", "training.gradient_accumulation"),
    MAX_GRAD_NORM("--max-grad-norm", "training.max_grad_norm"),
    WEIGHT_DECAY("--weight-decay", "training.weight_decay"),
    SHUFFLE("--no-shuffle", "training.shuffle"),
    SEED("--seed", "training.seed"),
    EVAL_EVERY("--eval-every", "training.eval_every_steps"),
    EARLY_STOPPING("--early-stopping", "training.early_stopping_patience"),
    CHECKPOINT_EVERY("--checkpoint-every", "checkpoint_every_steps");

    final String option;
    /** The field's path in {@code run.json}; its last part is the key. */
    final String field;

    TrainingOption(String option, String field) {
        this.option = option;
        this.field = field;
    }

    /** The field's key in its {@code run.json} object. */
    String key() {
        return JsonFields.key(field);
    }

    /** Refuses {@code value} unless {@code valid}: "--lr must be ... (got -1.0)". */
    void require(boolean valid, String rule, Object value) {
        if (!valid) {
            throw new Invalid(this, rule, String.valueOf(value));
        }
    }

    /** A value outside the option's range; {@link RunManifest#read} rewords it to name the {@code run.json} field. */
    static final class Invalid extends PeftException {
        private static final long serialVersionUID = 1L;

        final transient TrainingOption setting;
        final String rule;
        final String value;

        Invalid(TrainingOption setting, String rule, String value) {
            super(StandardErrorCode.INVALID_ARGUMENT, setting.option + " " + rule + " (got " + value + ")");
            this.setting = setting;
            this.rule = rule;
            this.value = value;
        }
    }
}
