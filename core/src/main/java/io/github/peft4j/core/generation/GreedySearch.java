package io.github.peft4j.core.generation;

import java.util.ArrayList;
import java.util.List;

/**
 * Greedy decoding as Hugging Face's {@code _sample} with {@code do_sample=False}: each unfinished row takes the
 * argmax of its processed log-probabilities (the first on ties, like {@code torch.argmax}); a row that emits an
 * end-of-sequence id is finished and from then on is fed {@code padTokenId}, which never shows in its output;
 * decoding stops when every row has finished or {@code maxNewTokens} tokens were generated. The score is the sum
 * of the chosen tokens' log-probabilities.
 */
final class GreedySearch {
    private GreedySearch() {
    }

    static List<List<GeneratedSequence>> run(DecodingSteps steps, List<long[]> prompts, GenerationConfig config,
            LogitsProcessors processors) {
        int rows = steps.rows();
        int vocab = steps.vocabSize();
        long[][] sequences = prompts.toArray(new long[0][]);
        double[] scores = new double[rows];
        boolean[] finished = new boolean[rows];
        for (int generated = 0; generated < config.maxNewTokens(); generated++) {
            float[] logProbs = steps.logProbs();
            long[] next = new long[rows];
            boolean allFinished = true;
            for (int row = 0; row < rows; row++) {
                if (finished[row]) {
                    next[row] = config.padTokenId();
                    continue;
                }
                int offset = row * vocab;
                processors.apply(logProbs, offset, sequences[row], generated);
                int token = TopK.argmax(logProbs, offset, offset + vocab);
                scores[row] += logProbs[offset + token];
                sequences[row] = Sequences.extend(sequences[row], token);
                next[row] = token;
                finished[row] = processors.isEos(token);
                allFinished &= finished[row];
            }
            if (allFinished || generated + 1 == config.maxNewTokens()) {
                break;
            }
            steps.append(next);
        }
        List<List<GeneratedSequence>> results = new ArrayList<>(rows);
        for (int row = 0; row < rows; row++) {
            long[] tokens = Sequences.generatedPart(sequences[row], prompts.get(row).length);
            results.add(List.of(new GeneratedSequence(tokens, scores[row])));
        }
        return results;
    }
}
