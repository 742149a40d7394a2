package io.github.peft4j.datasets.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A corpus as {@code mteval-v13a-sig.pl} sees it when the E2E scorer ({@code measure_scores.py} of
 * tuetschek/e2e-metrics) writes it: one test document, and as many reference "systems" as the largest number of
 * references of any segment; a segment with fewer references gets empty reference segments in the remaining
 * systems ({@code create_mteval_file} pads with {@code ''}). Each segment's whitespace runs are collapsed to one
 * space (mteval's SGML reader), then the segment is tokenised by {@link Mteval13aTokenizer#mteval}.
 */
final class MtevalCorpus {
    /** Tokens of each hypothesis. */
    final List<List<String>> hypotheses;
    /** Per segment, exactly {@link #referenceSets} token lists, in reference order; padding is an empty list. */
    final List<List<List<String>>> references;
    /** The number of reference systems (mteval's {@code scalar @ref_sys}). */
    final int referenceSets;

    private MtevalCorpus(List<List<String>> hypotheses, List<List<List<String>>> references, int referenceSets) {
        this.hypotheses = hypotheses;
        this.references = references;
        this.referenceSets = referenceSets;
    }

    static MtevalCorpus of(List<String> hypotheses, List<List<String>> references, boolean preserveCase) {
        checkParallel(hypotheses, references);
        int sets = 0;
        for (List<String> refs : references) {
            sets = Math.max(sets, refs.size());
        }
        if (sets == 0) {
            throw new IllegalArgumentException("no hypothesis has a reference");
        }
        List<List<String>> hyps = new ArrayList<>(hypotheses.size());
        List<List<List<String>>> refs = new ArrayList<>(references.size());
        for (int i = 0; i < hypotheses.size(); i++) {
            hyps.add(tokens(hypotheses.get(i), preserveCase));
            List<List<String>> segmentRefs = new ArrayList<>(sets);
            for (String ref : references.get(i)) {
                segmentRefs.add(tokens(ref, preserveCase));
            }
            while (segmentRefs.size() < sets) {
                segmentRefs.add(Collections.emptyList());
            }
            refs.add(segmentRefs);
        }
        return new MtevalCorpus(hyps, refs, sets);
    }

    private static List<String> tokens(String segment, boolean preserveCase) {
        return Mteval13aTokenizer.mtevalTokens(Mteval13aTokenizer.collapsePerlWhitespace(segment), preserveCase);
    }

    /** Checks that hypotheses and reference lists are parallel, non-empty and free of nulls. */
    static void checkParallel(List<String> hypotheses, List<List<String>> references) {
        Objects.requireNonNull(hypotheses, "hypotheses");
        Objects.requireNonNull(references, "references");
        if (hypotheses.size() != references.size()) {
            throw new IllegalArgumentException("hypotheses (" + hypotheses.size() + ") and reference lists ("
                    + references.size() + ") differ in number");
        }
        if (hypotheses.isEmpty()) {
            throw new IllegalArgumentException("empty corpus");
        }
        for (int i = 0; i < hypotheses.size(); i++) {
            if (hypotheses.get(i) == null) {
                throw new IllegalArgumentException("hypothesis " + i + " is null");
            }
            List<String> refs = references.get(i);
            if (refs == null) {
                throw new IllegalArgumentException("references of hypothesis " + i + " are null");
            }
            for (String ref : refs) {
                if (ref == null) {
                    throw new IllegalArgumentException("a reference of hypothesis " + i + " is null");
                }
            }
        }
    }
}
