package io.github.peft4j.datasets.metrics;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.StringJoiner;

/**
 * A corpus BLEU score as sacreBLEU 2.6.0 reports it (0..100).
 *
 * @param score BLEU, 0..100
 * @param precisions the n-gram precisions in percent, after smoothing, n = 1..max order (0 beyond the first order
 *     without hypothesis n-grams)
 * @param brevityPenalty {@code exp(1 - ref_len / sys_len)} when the output is shorter, else 1; 0 for no output
 * @param hypothesisLength {@code sys_len}: hypothesis tokens
 * @param referenceLength {@code ref_len}: the sum of the closest reference lengths
 * @param counts matched n-grams (plus the add-k constant for orders above 1 under that smoothing)
 * @param totals hypothesis n-grams (likewise)
 * @param signature the reproducibility signature, e.g. {@code nrefs:4|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0}
 */
public record SacreBleuScore(double score, double[] precisions, double brevityPenalty, long hypothesisLength,
        long referenceLength, double[] counts, double[] totals, String signature) {

    public SacreBleuScore {
        precisions = precisions.clone();
        counts = counts.clone();
        totals = totals.clone();
    }

    @Override
    public double[] precisions() {
        return precisions.clone();
    }

    @Override
    public double[] counts() {
        return counts.clone();
    }

    @Override
    public double[] totals() {
        return totals.clone();
    }

    /** {@code sys_len / ref_len}, 0 when there is no reference token. */
    public double ratio() {
        return referenceLength == 0 ? 0 : (double) hypothesisLength / referenceLength;
    }

    /**
     * sacreBLEU's text output, e.g.
     * {@code BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = 90.48 100.0/100.0/100.0/100.0 (BP = 0.905 ratio = 0.909 hyp_len = 10 ref_len = 11)};
     * without the signature when {@code withSignature} is false. Numbers are rounded as Python's format does.
     */
    public String format(int width, boolean withSignature) {
        StringJoiner precisionText = new StringJoiner("/");
        for (double precision : precisions) {
            precisionText.add(fixed(precision, 1));
        }
        String name = withSignature ? "BLEU|" + signature : "BLEU";
        return name + " = " + fixed(score, width) + " " + precisionText + " (BP = " + fixed(brevityPenalty, 3)
                + " ratio = " + fixed(ratio(), 3) + " hyp_len = " + hypothesisLength + " ref_len = "
                + referenceLength + ")";
    }

    /** Python's {@code f'{value:.{digits}f}'}: the exact binary value rounded half to even. */
    static String fixed(double value, int digits) {
        return new BigDecimal(value).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SacreBleuScore that
                && Double.compare(score, that.score) == 0
                && Arrays.equals(precisions, that.precisions)
                && Double.compare(brevityPenalty, that.brevityPenalty) == 0
                && hypothesisLength == that.hypothesisLength
                && referenceLength == that.referenceLength
                && Arrays.equals(counts, that.counts)
                && Arrays.equals(totals, that.totals)
                && signature.equals(that.signature);
    }

    @Override
    public int hashCode() {
        return 31 * Double.hashCode(score) + signature.hashCode();
    }

    @Override
    public String toString() {
        return format(2, true);
    }
}
