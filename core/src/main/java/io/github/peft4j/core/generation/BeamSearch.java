package io.github.peft4j.core.generation;

import java.util.ArrayList;
import java.util.List;

/**
 * Beam search with the semantics of Hugging Face transformers' vectorized {@code GenerationMixin._beam_search}
 * (src/transformers/generation/utils.py, the rewrite of PR #35802 that replaced {@code BeamSearchScorer} and
 * {@code BeamHypotheses}; read at commit 000034a4 of the main branch). Per input row and step:
 * <ol>
 *   <li>log-softmax of each beam's logits, then the logits processors, then plus the beam's running score;</li>
 *   <li>the top {@code K = max(2, 1 + number of EOS ids) * numBeams} candidates over all beams of the row
 *       (2 * numBeams for a single EOS id);</li>
 *   <li>a candidate "hits a stopping criterion" when its token is an EOS id or it reaches {@code maxNewTokens};</li>
 *   <li>the next running beams are the best {@code numBeams} candidates after -1e9 is added to those that hit;</li>
 *   <li>candidates among the first {@code numBeams} that hit join the finished hypotheses with score
 *       {@code sum_logprobs / generated_len ^ lengthPenalty}, where {@code generated_len} counts every generated
 *       token including the EOS token just emitted ({@code cur_len + 1 - decoder_prompt_len}); the finished list
 *       keeps the best {@code numBeams} of old and new entries; the other candidates enter with -1e9 added, so
 *       they only fill slots that no finished hypothesis holds;</li>
 *   <li>the row stops improving when every slot is finished and the best running score divided by
 *       {@code generated_len ^ lengthPenalty} (at the current length) is not above the worst finished score
 *       ({@code earlyStopping = false}), or as soon as every slot is finished ({@code earlyStopping = true}).</li>
 * </ol>
 * Decoding stops when no row can improve or {@code maxNewTokens} tokens were generated; each row returns its best
 * {@code numReturnSequences} slots. At the first step only beam 0 of a row is live (the others start at -1e9) and,
 * as in transformers, all arithmetic on scores is float32. Rows that have stopped keep their cache rows in place
 * and are fed {@code padTokenId}: their results are final.
 */
final class BeamSearch {
    /** transformers' stand-in for minus infinity in beam bookkeeping. */
    private static final float EXCLUDED = -1.0e9f;

    private BeamSearch() {
    }

    static List<List<GeneratedSequence>> run(DecodingSteps steps, List<long[]> prompts, GenerationConfig config,
            LogitsProcessors processors) {
        int batch = steps.rows();
        int beams = config.numBeams();
        steps.expand(beams);
        int candidates = Math.max(2, 1 + processors.eosCount()) * beams;
        List<BeamRow> rows = new ArrayList<>(batch);
        for (long[] prompt : prompts) {
            rows.add(new BeamRow(prompt, config, processors, candidates));
        }
        for (int generated = 0; ; generated++) {
            float[] logProbs = steps.logProbs();
            long[] parents = new long[batch * beams];
            long[] next = new long[batch * beams];
            boolean lastStep = generated + 1 == config.maxNewTokens();
            boolean anyOpen = false;
            for (int b = 0; b < batch; b++) {
                BeamRow row = rows.get(b);
                if (row.isOpen()) {
                    row.step(logProbs, b * beams, steps.vocabSize(), generated, lastStep, parents, next);
                    anyOpen |= row.isOpen();
                } else {
                    for (int k = 0; k < beams; k++) {
                        parents[b * beams + k] = b * beams + k;
                        next[b * beams + k] = config.padTokenId();
                    }
                }
            }
            if (lastStep || !anyOpen) {
                break;
            }
            steps.reorderAndAppend(parents, next);
        }
        List<List<GeneratedSequence>> results = new ArrayList<>(batch);
        for (BeamRow row : rows) {
            results.add(row.best(config.numReturnSequences()));
        }
        return results;
    }

    /** The beams and finished hypotheses of one input row. */
    private static final class BeamRow {
        private final int promptLength;
        private final GenerationConfig config;
        private final LogitsProcessors processors;
        private final int candidates;
        private long[][] running;
        private float[] runningScores;
        private long[][] finished;
        private float[] finishedScores;
        private boolean[] isFinished;
        private boolean canImprove = true;

        BeamRow(long[] prompt, GenerationConfig config, LogitsProcessors processors, int candidates) {
            int beams = config.numBeams();
            this.promptLength = prompt.length;
            this.config = config;
            this.processors = processors;
            this.candidates = candidates;
            this.running = new long[beams][];
            this.runningScores = new float[beams];
            this.finished = new long[beams][];
            this.finishedScores = new float[beams];
            this.isFinished = new boolean[beams];
            for (int k = 0; k < beams; k++) {
                running[k] = prompt;
                runningScores[k] = k == 0 ? 0.0f : EXCLUDED;
                finished[k] = prompt;
                finishedScores[k] = EXCLUDED;
            }
        }

        /** Whether a further step can still change this row's result. */
        boolean isOpen() {
            if (!canImprove) {
                return false;
            }
            if (config.earlyStopping()) {
                for (boolean done : isFinished) {
                    if (!done) {
                        return true;
                    }
                }
                return false;
            }
            return true;
        }

        /**
         * One step over this row's beams, whose log-probabilities start at row {@code firstRow} of {@code logProbs}
         * (updated in place); writes each new beam's parent row and token into {@code parents} and {@code next}.
         */
        void step(float[] logProbs, int firstRow, int vocab, int generated, boolean lastStep, long[] parents,
                long[] next) {
            int beams = running.length;
            for (int k = 0; k < beams; k++) {
                int offset = (firstRow + k) * vocab;
                processors.apply(logProbs, offset, running[k], generated);
                float score = runningScores[k];
                for (int v = offset; v < offset + vocab; v++) {
                    logProbs[v] += score;
                }
            }
            int from = firstRow * vocab;
            int[] top = TopK.select(logProbs, from, from + beams * vocab, candidates);
            int count = top.length;
            int[] beamOf = new int[count];
            long[] tokenOf = new long[count];
            float[] scores = new float[count];
            boolean[] hits = new boolean[count];
            for (int j = 0; j < count; j++) {
                beamOf[j] = top[j] / vocab;
                tokenOf[j] = top[j] % vocab;
                scores[j] = logProbs[from + top[j]];
                hits[j] = lastStep || processors.isEos(tokenOf[j]);
            }
            updateFinished(generated, beamOf, tokenOf, scores, hits);

            float[] continuing = new float[count];
            for (int j = 0; j < count; j++) {
                continuing[j] = hits[j] ? scores[j] + EXCLUDED : scores[j];
            }
            int[] kept = TopK.select(continuing, 0, count, beams);
            long[][] nextRunning = new long[beams][];
            float[] nextScores = new float[beams];
            for (int k = 0; k < beams; k++) {
                int j = kept[k];
                nextRunning[k] = Sequences.extend(running[beamOf[j]], tokenOf[j]);
                nextScores[k] = continuing[j];
                parents[firstRow + k] = firstRow + beamOf[j];
                next[firstRow + k] = tokenOf[j];
            }
            running = nextRunning;
            runningScores = nextScores;
            updateCanImprove(generated + 1);
        }

        /** Merges the candidates that just finished into the best {@code numBeams} finished hypotheses. */
        private void updateFinished(int generated, int[] beamOf, long[] tokenOf, float[] scores, boolean[] hits) {
            int beams = finished.length;
            int count = scores.length;
            float lengthDivisor = (float) Math.pow(generated + 1, config.lengthPenalty());
            float[] merged = new float[beams + count];
            System.arraycopy(finishedScores, 0, merged, 0, beams);
            for (int j = 0; j < count; j++) {
                float score = scores[j] / lengthDivisor;
                merged[beams + j] = justFinished(j, hits) ? score : score + EXCLUDED;
            }
            int[] best = TopK.select(merged, 0, merged.length, beams);
            long[][] nextFinished = new long[beams][];
            float[] nextScores = new float[beams];
            boolean[] nextIsFinished = new boolean[beams];
            for (int i = 0; i < beams; i++) {
                int source = best[i];
                nextScores[i] = merged[source];
                if (source < beams) {
                    nextFinished[i] = finished[source];
                    nextIsFinished[i] = isFinished[source];
                } else {
                    int j = source - beams;
                    nextFinished[i] = Sequences.extend(running[beamOf[j]], tokenOf[j]);
                    nextIsFinished[i] = justFinished(j, hits);
                }
            }
            finished = nextFinished;
            finishedScores = nextScores;
            isFinished = nextIsFinished;
        }

        /** Only the best {@code numBeams} candidates may finish; the rest exist to keep enough beams running. */
        private boolean justFinished(int candidate, boolean[] hits) {
            return hits[candidate] && candidate < finished.length;
        }

        /**
         * transformers' early-stop heuristic, sticky once satisfied: improvement stays possible while some slot is
         * unfinished or the best running score at the current length beats the worst finished score.
         */
        private void updateCanImprove(int generatedLength) {
            float bestPossible = runningScores[0] / (float) Math.pow(generatedLength, config.lengthPenalty());
            float worstFinished = Float.POSITIVE_INFINITY;
            for (float score : finishedScores) {
                worstFinished = Math.min(worstFinished, score);
            }
            boolean improvable = false;
            for (boolean done : isFinished) {
                improvable |= bestPossible > (done ? worstFinished : EXCLUDED);
            }
            canImprove &= improvable;
        }

        List<GeneratedSequence> best(int count) {
            List<GeneratedSequence> best = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                best.add(new GeneratedSequence(Sequences.generatedPart(finished[i], promptLength), finishedScores[i]));
            }
            return best;
        }
    }
}
