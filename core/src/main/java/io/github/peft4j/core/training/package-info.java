/**
 * The training engine shared by every method: the paper's prefix-tuning, its ablations, and its baselines (full
 * fine-tuning, fine-tuning the top k layers) differ only in the trainable set and the hooks. Causal-LM batches
 * with loss on the target only, AdamW with torch's exact update, schedules, clipping, accumulation, dev
 * evaluation with early stopping, atomic checkpoints and exact resume.
 */
package io.github.peft4j.core.training;
