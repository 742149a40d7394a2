package io.github.peft4j.datasets.metrics;

import io.github.peft4j.core.io.TextFiles;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Corpus BLEU exactly as Moses' {@code multi-bleu.perl} computes it, the script behind DART's and the WebNLG
 * challenge's official BLEU ({@code multi-bleu.perl [-lc] ref0 ref1 ref2 < hypotheses}).
 *
 * <p>Its rules, which differ from mteval's and sacreBLEU's: the text is already tokenised, and words are what
 * whitespace separates (ASCII whitespace: the script reads bytes); {@code -lc} lowercases ASCII letters only;
 * n-gram counts are clipped by the highest count in any one reference; the reference length of a line is the one
 * closest to the hypothesis length, the shorter on a tie, and an empty reference line is a reference of length 0
 * (a line with fewer references than the others has empty lines in the later files, and they take part); there
 * is no smoothing, so a corpus without a matching 4-gram scores 0. The brevity penalty is corpus-level.
 */
public final class MultiBleu {
    private static final int MAX_ORDER = 4;

    private MultiBleu() {}

    /**
     * Scores hypotheses against their reference lines.
     *
     * @param hypotheses one line per segment
     * @param references for each segment its reference lines, one per reference file (empty lines included)
     * @param lowercase the script's {@code -lc}
     */
    public static MultiBleuScore score(List<String> hypotheses, List<List<String>> references, boolean lowercase) {
        if (hypotheses.size() != references.size()) {
            throw new IllegalArgumentException(hypotheses.size() + " hypotheses but references for " + references.size());
        }
        long[] matches = new long[MAX_ORDER];
        long[] totals = new long[MAX_ORDER];
        long hypothesisLength = 0;
        long referenceLength = 0;
        for (int line = 0; line < hypotheses.size(); line++) {
            List<String> words = words(hypotheses.get(line), lowercase);
            Map<List<String>, Integer> maxReferenceCounts = new HashMap<>();
            int closestDifference = Integer.MAX_VALUE;
            int closestLength = 0;
            for (String reference : references.get(line)) {
                List<String> referenceWords = words(reference, lowercase);
                int length = referenceWords.size();
                int difference = Math.abs(words.size() - length);
                if (difference < closestDifference || difference == closestDifference && length < closestLength) {
                    closestDifference = difference;
                    closestLength = length;
                }
                ngramCounts(referenceWords).forEach((ngram, count) -> maxReferenceCounts.merge(ngram, count, Math::max));
            }
            hypothesisLength += words.size();
            referenceLength += closestLength;
            for (Map.Entry<List<String>, Integer> ngram : ngramCounts(words).entrySet()) {
                int order = ngram.getKey().size() - 1;
                totals[order] += ngram.getValue();
                matches[order] += Math.min(ngram.getValue(), maxReferenceCounts.getOrDefault(ngram.getKey(), 0));
            }
        }
        double[] precisions = new double[MAX_ORDER];
        double logSum = 0;
        for (int order = 0; order < MAX_ORDER; order++) {
            double precision = totals[order] == 0 ? 0 : (double) matches[order] / totals[order];
            precisions[order] = 100 * precision;
            logSum += precision == 0 ? Double.NEGATIVE_INFINITY : Math.log(precision);
        }
        if (referenceLength == 0 || hypothesisLength == 0) {
            // The script prints 0 for the first and dies dividing by zero for the second.
            return new MultiBleuScore(0, precisions, 0, hypothesisLength, referenceLength);
        }
        double brevityPenalty = hypothesisLength < referenceLength ? Math.exp(1 - (double) referenceLength / hypothesisLength) : 1;
        return new MultiBleuScore(100 * brevityPenalty * Math.exp(logSum / MAX_ORDER), precisions, brevityPenalty,
                hypothesisLength, referenceLength);
    }

    /**
     * Scores files as {@code multi-bleu.perl [-lc] references... < hypotheses} does, each read with {@link #readLines}.
     *
     * @throws PeftException FILE_NOT_FOUND for a missing file; MALFORMED_DATASET when a reference file has another
     *     number of lines than the hypotheses (the script would silently score the lines without references)
     */
    public static MultiBleuScore scoreFiles(Path hypotheses, List<Path> referenceFiles, boolean lowercase) {
        List<String> hypothesisLines = readLines(hypotheses);
        List<List<String>> references = new ArrayList<>();
        hypothesisLines.forEach(line -> references.add(new ArrayList<>()));
        for (Path file : referenceFiles) {
            List<String> lines = readLines(file);
            if (lines.size() != hypothesisLines.size()) {
                throw new PeftException(StandardErrorCode.MALFORMED_DATASET, "Reference file " + file + " has " + lines.size()
                        + " lines but " + hypotheses + " has " + hypothesisLines.size() + ": give one reference line per hypothesis"
                        + " (an empty line where an item has no reference in this file)");
            }
            for (int i = 0; i < lines.size(); i++) {
                references.get(i).add(lines.get(i));
            }
        }
        return score(hypothesisLines, references, lowercase);
    }

    /**
     * The lines of a file as the script reads them: split after each {@code \n}, then Perl's {@code chop} drops the
     * last character of each line, which is the last real character of a final line without a newline (a
     * {@code \r} before the newline stays, and is whitespace).
     *
     * @throws PeftException FILE_NOT_FOUND when the file cannot be read; MALFORMED_DATASET when it is not UTF-8
     */
    public static List<String> readLines(Path file) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        }
        catch (IOException e) {
            throw TextFiles.readFailure(file, "text file", e);
        }
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int newline = text.indexOf('\n', start);
            int end = newline < 0 ? text.length() : newline + 1;
            lines.add(text.substring(start, text.offsetByCodePoints(end, -1)));
            start = end;
        }
        return lines;
    }

    /** Perl's {@code split} on a line (optionally {@code lc}'d): ASCII whitespace separates, leading whitespace ignored. */
    static List<String> words(String line, boolean lowercase) {
        List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= line.length(); i++) {
            boolean separator = i == line.length() || isPerlSpace(line.charAt(i));
            if (separator && start >= 0) {
                String word = line.substring(start, i);
                words.add(lowercase ? lowercaseAscii(word) : word);
                start = -1;
            }
            else if (!separator && start < 0) {
                start = i;
            }
        }
        return words;
    }

    private static boolean isPerlSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000B';
    }

    /** Perl's {@code lc} on a byte string: only A-Z change. */
    private static String lowercaseAscii(String word) {
        StringBuilder lowered = new StringBuilder(word.length());
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            lowered.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
        }
        return lowered.toString();
    }

    private static Map<List<String>, Integer> ngramCounts(List<String> words) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int order = 1; order <= MAX_ORDER; order++) {
            for (int start = 0; start + order <= words.size(); start++) {
                counts.merge(words.subList(start, start + order), 1, Integer::sum);
            }
        }
        return counts;
    }
}
