package io.github.peft4j.datasets.metrics;

/**
 * Precision, recall and F1 of one ROUGE variant, on a 0..1 scale, as Google {@code rouge_score}'s
 * {@code scoring.Score(precision, recall, fmeasure)}. Papers report {@code 100 * fmeasure}.
 *
 * @param precision matches / prediction n-grams (or LCS / prediction tokens)
 * @param recall matches / reference n-grams (or LCS / reference tokens)
 * @param fmeasure {@code 2 P R / (P + R)}, 0 when {@code P + R} is 0
 */
public record RougeMeasure(double precision, double recall, double fmeasure) {
    /** The measure of these precision and recall, F as {@code rouge_score}'s {@code scoring.fmeasure}. */
    public static RougeMeasure of(double precision, double recall) {
        double f = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
        return new RougeMeasure(precision, recall, f);
    }
}
