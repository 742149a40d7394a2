package io.github.peft4j.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.peft4j.spi.ForwardInput;

/** A batch the {@link Trainer} runs: its forward input and the loss of the logits the model returns for it. */
interface TrainingBatch {
    int rows();

    /** Real (unpadded) tokens in the batch. */
    long tokens();

    /** Labels that count in the loss: the loss is their mean. */
    long predictedTokens();

    ForwardInput toInput(NDManager manager);

    /** The scalar mean loss of {@code logits}, differentiable with respect to whatever produced them. */
    NDArray loss(NDArray logits);
}
