package io.github.peft4j.datasets.metrics;

import java.util.Arrays;

/**
 * A corpus NIST score as the E2E scorer reports it.
 *
 * @param nist the cumulative 5-gram NIST score (the E2E scorer prints it as {@code NIST: 8.6939})
 * @param information per order n = 1..5, the information of the matched n-grams divided by the number of
 *     hypothesis n-grams (before the length penalty); {@link #nist} is their sum times {@link #lengthPenalty}
 * @param lengthPenalty NIST's length penalty, {@code exp(-beta * log(ratio)^2)} below ratio 1, else 1
 * @param hypothesisLength the number of hypothesis tokens the penalty used
 * @param referenceLength the (summed) average reference length the penalty used
 * @param implementation which official implementation was followed
 */
public record NistScore(double nist, double[] information, double lengthPenalty, double hypothesisLength,
        double referenceLength, Nist.Implementation implementation) {

    public NistScore {
        information = information.clone();
    }

    @Override
    public double[] information() {
        return information.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NistScore that
                && Double.compare(nist, that.nist) == 0
                && Arrays.equals(information, that.information)
                && Double.compare(lengthPenalty, that.lengthPenalty) == 0
                && Double.compare(hypothesisLength, that.hypothesisLength) == 0
                && Double.compare(referenceLength, that.referenceLength) == 0
                && implementation == that.implementation;
    }

    @Override
    public int hashCode() {
        return 31 * Double.hashCode(nist) + implementation.hashCode();
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "NIST = %.4f (%s, information %s, penalty %.4f, %s / %s)", nist,
                implementation, Arrays.toString(information), lengthPenalty, hypothesisLength, referenceLength);
    }
}
