package io.github.peft4j.core.safetensors;

import ai.djl.ndarray.types.Shape;

/**
 * One tensor's header entry.
 *
 * @param dtype the dtype as written in the file (may be one peft4j cannot load, e.g. {@code U16})
 * @param begin offset of the first byte, relative to the start of the data section
 * @param end offset past the last byte, relative to the start of the data section
 */
public record TensorInfo(String name, String dtype, Shape shape, long begin, long end) {
    public long byteLength() {
        return end - begin;
    }
}
