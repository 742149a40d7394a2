package io.github.peft4j.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.github.peft4j.spi.AdapterHooks;
import io.github.peft4j.spi.DecodingState;
import io.github.peft4j.spi.ForwardInput;
import io.github.peft4j.spi.ModelBackend;
import java.util.Arrays;

/**
 * The reference for cached decoding: no cache at all. Every step reruns the full forward pass over each row's
 * whole sequence (unpadded, alone), so its logits are by construction those of full recomputation. The row's prompt
 * is its source and everything appended its target ({@link ForwardInput#targetStart}), as decoding treats them.
 */
final class RecomputingDecodingState implements DecodingState {
    private final ModelBackend backend;
    private final AdapterHooks hooks;
    private final NDManager manager;
    private long[][] sequences;
    private int[] promptLengths;
    private NDArray logits;

    RecomputingDecodingState(ModelBackend backend, long[][] prompts, AdapterHooks hooks, NDManager parent) {
        this.backend = backend;
        this.hooks = hooks;
        this.manager = parent.newSubManager();
        this.sequences = Arrays.stream(prompts).map(long[]::clone).toArray(long[][]::new);
        this.promptLengths = Arrays.stream(prompts).mapToInt(prompt -> prompt.length).toArray();
        recompute();
    }

    @Override
    public int rows() {
        return sequences.length;
    }

    @Override
    public NDArray nextTokenLogits() {
        return logits;
    }

    @Override
    public void append(NDArray tokens) {
        long[] next = tokens.toLongArray();
        for (int row = 0; row < sequences.length; row++) {
            sequences[row] = Arrays.copyOf(sequences[row], sequences[row].length + 1);
            sequences[row][sequences[row].length - 1] = next[row];
        }
        recompute();
    }

    @Override
    public void selectRows(NDArray rows) {
        long[] selected = rows.toLongArray();
        sequences = Arrays.stream(selected).mapToObj(row -> sequences[(int) row].clone()).toArray(long[][]::new);
        promptLengths = Arrays.stream(selected).mapToInt(row -> promptLengths[(int) row]).toArray();
        recompute();
    }

    private void recompute() {
        int vocab = backend.geometry().vocabSize();
        float[] all = new float[sequences.length * vocab];
        for (int row = 0; row < sequences.length; row++) {
            try (NDManager pass = manager.newSubManager()) {
                ForwardInput input = ForwardInput.of(pass.create(new long[][] {sequences[row]})).withTargetStart(pass.create(new long[] {promptLengths[row]}));
                NDArray rowLogits = backend.forward(input, hooks);
                float[] last = rowLogits.get(new NDIndex("0, {}, :", sequences[row].length - 1)).toFloatArray();
                System.arraycopy(last, 0, all, row * vocab, vocab);
            }
        }
        if (logits != null) {
            logits.close();
        }
        logits = manager.create(all, new ai.djl.ndarray.types.Shape(sequences.length, vocab));
    }

    @Override
    public void close() {
        manager.close();
    }
}
