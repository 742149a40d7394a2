/**
 * The datasets of Li &amp; Liang's prefix-tuning paper, read from their published files and linearised as the
 * paper's code does: E2E ({@link io.github.peft4j.datasets.E2eReader}), WebNLG 2017
 * ({@link io.github.peft4j.datasets.WebNlgReader}), DART ({@link io.github.peft4j.datasets.DartReader}), XSUM
 * ({@link io.github.peft4j.datasets.XsumReader}) and generic JSON Lines
 * ({@link io.github.peft4j.datasets.JsonlReader}); {@link io.github.peft4j.datasets.Datasets} finds a split by
 * dataset name in a data directory.
 *
 * <p>A split ({@link io.github.peft4j.datasets.DatasetSplit}) has two views: training
 * {@link io.github.peft4j.datasets.Sample}s, one per reference, and
 * {@link io.github.peft4j.datasets.EvaluationItem}s, one per input with all of its references.
 * {@link io.github.peft4j.datasets.LowDataSplit} draws the paper's low-data subsets;
 * {@link io.github.peft4j.datasets.CausalLmLayout} (GPT-2) and {@link io.github.peft4j.datasets.Seq2SeqLayout}
 * (BART) turn samples into token ids for the trainer.
 *
 * <p>Every reader fails with a {@link io.github.peft4j.spi.PeftException}: MALFORMED_DATASET naming the file and
 * the line or XML entry and what is wrong, FILE_NOT_FOUND naming the missing file.
 */
package io.github.peft4j.datasets;
