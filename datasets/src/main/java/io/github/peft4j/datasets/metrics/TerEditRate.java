package io.github.peft4j.datasets.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The translation edit rate of one hypothesis against one reference, following sacreBLEU 2.6.0's
 * {@code sacrebleu/metrics/lib_ter.py} (a near-exact reimplementation of Tercom) step by step: greedy shifts
 * chosen by Tercom's ranking until none lowers the edit distance, a beam-limited Levenshtein distance around the
 * length-scaled diagonal (beam 25), shifts of at most 10 words over at most 50 positions, and at most 1000 shift
 * candidates evaluated per pair. Words are compared exactly; tokenisation and case folding happen before.
 */
final class TerEditRate {
    static final int MAX_SHIFT_SIZE = 10;
    static final int MAX_SHIFT_DIST = 50;
    static final int BEAM_WIDTH = 25;
    static final int MAX_CACHE_SIZE = 10000;
    static final int MAX_SHIFT_CANDIDATES = 1000;
    static final long INFINITY = 10_000_000_000_000_000L;

    static final byte OP_INS = 'i';
    static final byte OP_DEL = 'd';
    static final byte OP_NOP = ' ';
    static final byte OP_SUB = 's';
    static final byte OP_UNDEF = 'x';

    private TerEditRate() {}

    /** {@code translation_edit_rate}: {number of edits (shifts included), reference length}. */
    static long[] compute(List<String> hypothesis, List<String> reference) {
        if (reference.isEmpty()) {
            return new long[] {hypothesis.size(), 0};
        }
        Map<String, Integer> ids = new HashMap<>();
        int[] hyp = ids(hypothesis, ids);
        int[] ref = ids(reference, ids);
        BeamEditDistance cachedEd = new BeamEditDistance(ref);
        long shifts = 0;
        int[] input = hyp;
        int[] checked = {0};
        while (true) {
            Shift shift = shift(input, ref, cachedEd, checked);
            if (checked[0] >= MAX_SHIFT_CANDIDATES) {
                break;
            }
            if (shift.delta <= 0) {
                break;
            }
            shifts++;
            input = shift.words;
        }
        long editDistance = cachedEd.distance(input).cost;
        return new long[] {shifts + editDistance, reference.size()};
    }

    private static int[] ids(List<String> words, Map<String, Integer> ids) {
        int[] result = new int[words.size()];
        for (int i = 0; i < result.length; i++) {
            Integer id = ids.get(words.get(i));
            if (id == null) {
                id = ids.size();
                ids.put(words.get(i), id);
            }
            result[i] = id;
        }
        return result;
    }

    private record Shift(long delta, int[] words) {}

    /** {@code _shift}: the best shift by Tercom's ranking, or a delta of 0 and the unchanged words. */
    private static Shift shift(int[] wordsH, int[] wordsR, BeamEditDistance cachedEd, int[] checked) {
        Result pre = cachedEd.distance(wordsH);
        // rewrite the trace as reference -> hypothesis (insertions and deletions flipped) and align
        int[] align = new int[wordsR.length];
        int[] hypErr = new int[wordsH.length];
        int[] refErr = new int[wordsR.length];
        int posHyp = -1;
        int posRef = -1;
        for (byte op : pre.trace) {
            if (op == OP_NOP || op == OP_SUB) {
                posHyp++;
                posRef++;
                align[posRef] = posHyp;
                int error = op == OP_SUB ? 1 : 0;
                hypErr[posHyp] = error;
                refErr[posRef] = error;
            } else if (op == OP_DEL) { // an insertion after the flip: a hypothesis word
                posHyp++;
                hypErr[posHyp] = 1;
            } else if (op == OP_INS) { // a deletion after the flip: a reference word
                posRef++;
                align[posRef] = posHyp;
                refErr[posRef] = 1;
            } else {
                throw new IllegalStateException("unknown operation " + (char) op);
            }
        }

        long bestScore = 0;
        int bestLength = 0;
        int bestStart = 0;
        int bestIdx = 0;
        int[] bestWords = null;
        int nH = wordsH.length;
        int nR = wordsR.length;
        search:
        for (int startH = 0; startH < nH; startH++) {
            for (int startR = 0; startR < nR; startR++) {
                if (Math.abs(startR - startH) > MAX_SHIFT_DIST) {
                    continue;
                }
                int length = 0;
                while (wordsH[startH + length] == wordsR[startR + length] && length < MAX_SHIFT_SIZE) {
                    length++;
                    // one candidate (startH, startR, length), as _find_shifted_pairs yields it
                    if (sum(hypErr, startH, startH + length) != 0 && sum(refErr, startR, startR + length) != 0
                            && !(startH <= align[startR] && align[startR] < startH + length)) {
                        int prevIdx = -1;
                        for (int offset = -1; offset < length; offset++) {
                            int idx;
                            if (startR + offset == -1) {
                                idx = 0;
                            } else if (startR + offset < nR) {
                                idx = align[startR + offset] + 1;
                            } else {
                                break;
                            }
                            if (idx == prevIdx) {
                                continue;
                            }
                            prevIdx = idx;
                            int[] shifted = performShift(wordsH, startH, length, idx);
                            long score = pre.cost - cachedEd.distance(shifted).cost;
                            checked[0]++;
                            if (bestWords == null || better(score, length, startH, idx,
                                    bestScore, bestLength, bestStart, bestIdx)) {
                                bestScore = score;
                                bestLength = length;
                                bestStart = startH;
                                bestIdx = idx;
                                bestWords = shifted;
                            }
                        }
                    }
                    if (checked[0] >= MAX_SHIFT_CANDIDATES) {
                        break search;
                    }
                    if (nH == startH + length || nR == startR + length) {
                        break;
                    }
                }
            }
        }
        return bestWords == null ? new Shift(0, wordsH) : new Shift(bestScore, bestWords);
    }

    /**
     * Tercom's ranking as sacreBLEU's tuple comparison: larger gain, then longer, then earlier start, then earlier
     * target. (Equal keys mean equal shifted words, so the tuple's last element never decides.)
     */
    private static boolean better(long score, int length, int start, int idx,
            long bestScore, int bestLength, int bestStart, int bestIdx) {
        if (score != bestScore) {
            return score > bestScore;
        }
        if (length != bestLength) {
            return length > bestLength;
        }
        if (start != bestStart) {
            return start < bestStart;
        }
        return idx < bestIdx;
    }

    private static int sum(int[] values, int from, int to) {
        int sum = 0;
        for (int i = from; i < Math.min(to, values.length); i++) {
            sum += values[i];
        }
        return sum;
    }

    /** {@code _perform_shift}, with Python's clamped slices. */
    static int[] performShift(int[] words, int start, int length, int target) {
        int n = words.length;
        int[] result = new int[n];
        int at = 0;
        if (target < start) {
            at = copy(words, 0, target, result, at);
            at = copy(words, start, start + length, result, at);
            at = copy(words, target, start, result, at);
            at = copy(words, start + length, n, result, at);
        } else if (target > start + length) {
            at = copy(words, 0, start, result, at);
            at = copy(words, start + length, target, result, at);
            at = copy(words, start, start + length, result, at);
            at = copy(words, target, n, result, at);
        } else {
            at = copy(words, 0, start, result, at);
            at = copy(words, start + length, length + target, result, at);
            at = copy(words, start, start + length, result, at);
            at = copy(words, length + target, n, result, at);
        }
        if (at != n) {
            throw new IllegalStateException("shift changed the number of words");
        }
        return result;
    }

    private static int copy(int[] words, int from, int to, int[] into, int at) {
        int start = Math.max(0, Math.min(from, words.length));
        int end = Math.max(start, Math.min(to, words.length));
        System.arraycopy(words, start, into, at, end - start);
        return at + end - start;
    }

    /** An edit distance with its trace of operations rewriting the hypothesis into the reference. */
    private record Result(long cost, byte[] trace) {}

    /** {@code BeamEditDistance}: beam-limited Levenshtein distance with a cache of rows by hypothesis prefix. */
    private static final class BeamEditDistance {
        private final int[] wordsRef;
        private final long[] initialCosts;
        private final byte[] initialOps;
        private final Node cache = new Node(null, null);
        private int cacheSize;

        BeamEditDistance(int[] wordsRef) {
            this.wordsRef = wordsRef;
            int width = wordsRef.length + 1;
            initialCosts = new long[width];
            initialOps = new byte[width];
            for (int j = 0; j < width; j++) {
                initialCosts[j] = j;
                initialOps[j] = OP_INS;
            }
        }

        Result distance(int[] wordsHyp) {
            int nH = wordsHyp.length;
            int width = wordsRef.length + 1;
            long[][] costs = new long[nH + 1][];
            byte[][] ops = new byte[nH + 1][];
            costs[0] = initialCosts;
            ops[0] = initialOps;
            // _find_cache: rows already known for the longest cached prefix
            Node node = cache;
            int startH = 0;
            for (int word : wordsHyp) {
                Node next = node.children == null ? null : node.children.get(word);
                if (next == null) {
                    break;
                }
                startH++;
                costs[startH] = next.costs;
                ops[startH] = next.ops;
                node = next;
            }
            for (int i = startH + 1; i <= nH; i++) {
                long[] rowCosts = new long[width];
                byte[] rowOps = new byte[width];
                java.util.Arrays.fill(rowCosts, INFINITY);
                java.util.Arrays.fill(rowOps, OP_UNDEF);
                costs[i] = rowCosts;
                ops[i] = rowOps;
            }
            double lengthRatio = nH > 0 ? (double) wordsRef.length / nH : 1;
            long beamWidth = BEAM_WIDTH < lengthRatio / 2 ? (long) Math.ceil(lengthRatio / 2 + BEAM_WIDTH) : BEAM_WIDTH;
            for (int i = startH + 1; i <= nH; i++) {
                long pseudoDiagonal = (long) Math.floor(i * lengthRatio);
                long minJ = Math.max(0, pseudoDiagonal - beamWidth);
                long maxJ = Math.min(width, pseudoDiagonal + beamWidth);
                if (i == nH) {
                    maxJ = width;
                }
                long[] prevCosts = costs[i - 1];
                long[] rowCosts = costs[i];
                byte[] rowOps = ops[i];
                for (int j = (int) minJ; j < maxJ; j++) {
                    if (j == 0) {
                        rowCosts[0] = prevCosts[0] + 1;
                        rowOps[0] = OP_DEL;
                        continue;
                    }
                    long costSub;
                    byte opSub;
                    if (wordsHyp[i - 1] == wordsRef[j - 1]) {
                        costSub = 0;
                        opSub = OP_NOP;
                    } else {
                        costSub = 1;
                        opSub = OP_SUB;
                    }
                    // preference on ties: no-op/substitution, then deletion, then insertion
                    long cost = prevCosts[j - 1] + costSub;
                    if (rowCosts[j] > cost) {
                        rowCosts[j] = cost;
                        rowOps[j] = opSub;
                    }
                    cost = prevCosts[j] + 1;
                    if (rowCosts[j] > cost) {
                        rowCosts[j] = cost;
                        rowOps[j] = OP_DEL;
                    }
                    cost = rowCosts[j - 1] + 1;
                    if (rowCosts[j] > cost) {
                        rowCosts[j] = cost;
                        rowOps[j] = OP_INS;
                    }
                }
            }
            // the trace, from the last cell back
            byte[] reversed = new byte[nH + wordsRef.length];
            int length = 0;
            int i = nH;
            int j = wordsRef.length;
            while (i > 0 || j > 0) {
                byte op = ops[i][j];
                reversed[length++] = op;
                if (op == OP_SUB || op == OP_NOP) {
                    i--;
                    j--;
                } else if (op == OP_INS) {
                    j--;
                } else if (op == OP_DEL) {
                    i--;
                } else {
                    throw new IllegalStateException("unknown operation " + (char) op);
                }
            }
            byte[] trace = new byte[length];
            for (int k = 0; k < length; k++) {
                trace[k] = reversed[length - 1 - k];
            }
            addCache(wordsHyp, startH, costs, ops);
            return new Result(costs[nH][wordsRef.length], trace);
        }

        /** {@code _add_cache}: remembers the rows computed after the cached prefix. */
        private void addCache(int[] wordsHyp, int startH, long[][] costs, byte[][] ops) {
            if (cacheSize >= MAX_CACHE_SIZE) {
                return;
            }
            Node node = cache;
            for (int i = 0; i < startH; i++) {
                node = node.children.get(wordsHyp[i]);
            }
            for (int i = startH; i < wordsHyp.length; i++) {
                if (node.children == null) {
                    node.children = new HashMap<>();
                }
                Node next = node.children.get(wordsHyp[i]);
                if (next == null) {
                    next = new Node(costs[i + 1], ops[i + 1]);
                    node.children.put(wordsHyp[i], next);
                    cacheSize++;
                }
                node = next;
            }
        }
    }

    private static final class Node {
        final long[] costs;
        final byte[] ops;
        Map<Integer, Node> children;

        Node(long[] costs, byte[] ops) {
            this.costs = costs;
            this.ops = ops;
        }
    }
}
