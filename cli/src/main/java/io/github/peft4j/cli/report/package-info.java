/**
 * The report every training run leaves in its run directory: {@code report.html} with PNG plots of the run's
 * own numbers (training loss, dev loss, learning rate, drawn with JFreeChart), the parameter counts, the
 * hyper-parameters and sample generations.
 */
package io.github.peft4j.cli.report;
