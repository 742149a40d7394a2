package io.github.peft4j.core.generation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Slow, obviously-correct decoders written independently of the production code, in double precision: a
 * step-by-step argmax chain and an exhaustive enumeration of every sequence a configuration allows.
 */
final class ReferenceDecoding {
    private ReferenceDecoding() {
    }

    /**
     * Whether {@code config} lets {@code token} follow {@code sequence} (prompt plus {@code generated} tokens):
     * no EOS before {@code minNewTokens}, no banned id, and no n-gram of size {@code noRepeatNgramSize} that ends
     * at the new token and already occurs earlier in the sequence.
     */
    static boolean allowed(GenerationConfig config, long[] sequence, int generated, long token) {
        if (config.bannedTokenIds().contains(token)) {
            return false;
        }
        if (generated < config.minNewTokens() && config.eosTokenIds().contains(token)) {
            return false;
        }
        int n = config.noRepeatNgramSize();
        if (n > 0) {
            long[] extended = Arrays.copyOf(sequence, sequence.length + 1);
            extended[sequence.length] = token;
            return !repeatsLastNgram(extended, n);
        }
        return true;
    }

    /** Whether the last {@code n} tokens of {@code sequence} also occur as an n-gram ending earlier. */
    static boolean repeatsLastNgram(long[] sequence, int n) {
        int lastStart = sequence.length - n;
        if (lastStart < 0) {
            return false;
        }
        for (int start = 0; start < lastStart; start++) {
            if (Arrays.equals(sequence, start, start + n, sequence, lastStart, lastStart + n)) {
                return true;
            }
        }
        return false;
    }

    /**
     * What is wrong with {@code tokens} generated after {@code prompt} under {@code config}: empty, too long, an EOS
     * id anywhere but last or before {@code minNewTokens}, a banned id, a repeated n-gram ending in the output.
     */
    static List<String> violations(GenerationConfig config, long[] prompt, long[] tokens) {
        List<String> violations = new ArrayList<>();
        if (tokens.length == 0 || tokens.length > config.maxNewTokens()) {
            violations.add("length " + tokens.length + " outside [1, " + config.maxNewTokens() + "]");
        }
        for (int i = 0; i < tokens.length; i++) {
            boolean eos = config.eosTokenIds().contains(tokens[i]);
            if (eos && i != tokens.length - 1) {
                violations.add("EOS at " + i + " before the end");
            }
            if (eos && i < config.minNewTokens()) {
                violations.add("EOS at " + i + " before minNewTokens " + config.minNewTokens());
            }
            if (config.bannedTokenIds().contains(tokens[i])) {
                violations.add("banned id " + tokens[i] + " at " + i);
            }
            long[] sequence = Arrays.copyOf(prompt, prompt.length + i + 1);
            System.arraycopy(tokens, 0, sequence, prompt.length, i + 1);
            if (config.noRepeatNgramSize() > 0 && repeatsLastNgram(sequence, config.noRepeatNgramSize())) {
                violations.add("repeated " + config.noRepeatNgramSize() + "-gram ending at " + i);
            }
        }
        return violations;
    }

    /** Greedy decoding: the allowed token of highest log-probability each step, the summed log-probability as score. */
    static GeneratedSequence greedy(ToyLanguageModel model, long[] prompt, GenerationConfig config) {
        List<Long> generated = new ArrayList<>();
        double score = 0;
        while (generated.size() < config.maxNewTokens()) {
            long[] sequence = ToyLanguageModel.concat(prompt, generated);
            double[] logProbs = model.logProbs(sequence);
            int best = -1;
            for (int token = 0; token < logProbs.length; token++) {
                boolean better = best < 0 || logProbs[token] > logProbs[best];
                if (better && allowed(config, sequence, generated.size(), token)) {
                    best = token;
                }
            }
            generated.add((long) best);
            score += logProbs[best];
            if (config.eosTokenIds().contains((long) best)) {
                break;
            }
        }
        return new GeneratedSequence(generated.stream().mapToLong(Long::longValue).toArray(), score);
    }

    /**
     * Every complete sequence the configuration allows (ended by an EOS id, or {@code maxNewTokens} long), scored
     * as summed log-probability over {@code length ^ lengthPenalty}, best first.
     */
    static List<GeneratedSequence> enumerate(ToyLanguageModel model, long[] prompt, GenerationConfig config) {
        List<GeneratedSequence> complete = new ArrayList<>();
        extend(model, prompt, config, new ArrayList<>(), 0, complete);
        complete.sort(Comparator.comparingDouble(GeneratedSequence::score).reversed());
        return complete;
    }

    /** Summed log-probability of {@code tokens} after {@code prompt} over {@code length ^ lengthPenalty}. */
    static double beamScore(ToyLanguageModel model, long[] prompt, long[] tokens, double lengthPenalty) {
        double sum = 0;
        List<Long> generated = new ArrayList<>();
        for (long token : tokens) {
            sum += model.logProbs(ToyLanguageModel.concat(prompt, generated))[(int) token];
            generated.add(token);
        }
        return sum / Math.pow(tokens.length, lengthPenalty);
    }

    private static void extend(ToyLanguageModel model, long[] prompt, GenerationConfig config, List<Long> generated,
            double sum, List<GeneratedSequence> complete) {
        long[] sequence = ToyLanguageModel.concat(prompt, generated);
        double[] logProbs = model.logProbs(sequence);
        for (int token = 0; token < logProbs.length; token++) {
            if (!allowed(config, sequence, generated.size(), token)) {
                continue;
            }
            generated.add((long) token);
            double total = sum + logProbs[token];
            if (config.eosTokenIds().contains((long) token) || generated.size() == config.maxNewTokens()) {
                long[] tokens = generated.stream().mapToLong(Long::longValue).toArray();
                complete.add(new GeneratedSequence(tokens, total / Math.pow(tokens.length, config.lengthPenalty())));
            } else {
                extend(model, prompt, config, generated, total, complete);
            }
            generated.remove(generated.size() - 1);
        }
    }
}
