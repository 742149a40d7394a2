/**
 * Reading and writing the safetensors format (an 8-byte header length, a JSON header, raw little-endian
 * tensor bytes) written by hand because DJL's {@code NDList.decode} reads a whole file into one {@code byte[]}:
 * here each tensor is memory-mapped, so a checkpoint costs about its own size in memory, and files over 2 GB
 * and sharded checkpoints ({@code model.safetensors.index.json}) work. Half-precision tensors are widened to
 * float32 in Java, since DJL's PyTorch engine aborts the JVM on bfloat16 arrays.
 */
package io.github.peft4j.core.safetensors;
