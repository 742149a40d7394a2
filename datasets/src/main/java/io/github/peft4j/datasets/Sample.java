package io.github.peft4j.datasets;

import static java.util.Objects.requireNonNull;

/**
 * One training pair of a dataset split: a linearised source (already in the paper's form) and one reference
 * text.
 *
 * @param source the input as the model reads it, e.g. {@code name : The Eagle | Type : pub}
 * @param target one reference text for that input
 * @param group identifies the input the pair belongs to; all references of one input share it. For the
 *     line formats (E2E, XSUM, JSONL) it is the source text itself; for WebNLG and DART, whose entries may
 *     share a source, it is the entry's 1-based position in the split
 */
public record Sample(String source, String target, String group) {
    public Sample {
        requireNonNull(source, "source");
        requireNonNull(target, "target");
        requireNonNull(group, "group");
    }
}
