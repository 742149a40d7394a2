package io.github.peft4j.datasets.metrics;

/**
 * A corpus TER score as sacreBLEU 2.6.0 reports it.
 *
 * @param score TER in percent (lower is better; may exceed 100)
 * @param numEdits the summed edits (word insertions, deletions, substitutions and shifts) of each hypothesis
 *     against its closest reference
 * @param referenceLength the summed mean reference length
 * @param signature the reproducibility signature, e.g.
 *     {@code nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0}
 */
public record TerScore(double score, long numEdits, double referenceLength, String signature) {

    /** sacreBLEU's text output, e.g. {@code TER|nrefs:1|...|version:2.6.0 = 33.33}. */
    public String format(int width, boolean withSignature) {
        return (withSignature ? "TER|" + signature : "TER") + " = " + SacreBleuScore.fixed(score, width);
    }

    @Override
    public String toString() {
        return format(2, true);
    }
}
