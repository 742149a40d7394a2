package io.github.peft4j.datasets;

import static java.util.Objects.requireNonNull;

import java.util.Objects;

/**
 * One training pair of a dataset split: a linearised source (already in the paper's form) and one reference
 * text.
 *
 * @param source the input as the model reads it, e.g. {@code name : The Eagle | Type : pub}
 * @param target one reference text for that input
 * @param group identifies the input the pair belongs to; all references of one input share it. For the
 *     line formats (E2E, XSUM, JSONL) it is the source text itself; for WebNLG and DART, whose entries may
 *     share a source, it is the entry's 1-based position in the split
 * @param where where the pair was read, for messages: {@code file:line}, or {@code file: entry 3 (eid Id3)} for
 *     XML; not part of the sample's identity (two equal pairs read from different places are equal)
 */
public record Sample(String source, String target, String group, String where) {
    public Sample {
        requireNonNull(source, "source");
        requireNonNull(target, "target");
        requireNonNull(group, "group");
        requireNonNull(where, "where");
    }

    /** A sample made in code rather than read from a file: its group names it. */
    public Sample(String source, String target, String group) {
        this(source, target, group, "sample " + group);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Sample that && source.equals(that.source) && target.equals(that.target) && group.equals(that.group);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, target, group);
    }
}
