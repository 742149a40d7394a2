/**
 * Evaluation metrics for table-to-text and summarisation, written by hand because no Java library computes them:
 * BLEU and NIST as the official E2E scorer runs mteval-v13a, sacreBLEU's BLEU and TER, and the other metrics the
 * paper reports. Each class follows one official implementation exactly (named, with its version, in the class's
 * documentation), and each is proven against that implementation's own numbers: hand-computed fixtures in the
 * unit tests, and the official scores of a real system output on the real test set where the data is present.
 */
package io.github.peft4j.datasets.metrics;
