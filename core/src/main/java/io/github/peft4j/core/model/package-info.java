/**
 * What the model backends share when reading a Hugging Face model directory: {@code config.json} read with every
 * key checked for type and range, and checked against the tensors of the checkpoint before anything is built from
 * its sizes.
 */
package io.github.peft4j.core.model;
