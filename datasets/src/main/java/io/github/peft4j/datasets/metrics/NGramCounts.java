package io.github.peft4j.datasets.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Word n-gram counting shared by the BLEU-family metrics. An n-gram is keyed by its tokens joined with one space,
 * as mteval does; tokens never contain a space because every tokeniser here splits on whitespace.
 */
final class NGramCounts {
    private NGramCounts() {}

    /** The n-grams of {@code tokens}, orders 1..{@code maxOrder}; element {@code n - 1} holds order {@code n}. */
    static List<Map<String, Integer>> byOrder(List<String> tokens, int maxOrder) {
        List<Map<String, Integer>> counts = new ArrayList<>(maxOrder);
        for (int n = 1; n <= maxOrder; n++) {
            Map<String, Integer> order = new HashMap<>();
            for (int start = 0; start + n <= tokens.size(); start++) {
                order.merge(key(tokens, start, n), 1, Integer::sum);
            }
            counts.add(order);
        }
        return counts;
    }

    /** Raises every count of {@code target} to at least that of {@code other} (multi-reference clipping). */
    static void maxInto(List<Map<String, Integer>> target, List<Map<String, Integer>> other) {
        for (int n = 0; n < target.size(); n++) {
            Map<String, Integer> order = target.get(n);
            other.get(n).forEach((ngram, count) -> order.merge(ngram, count, Math::max));
        }
    }

    /** Adds every count of {@code other} to {@code target}. */
    static void sumInto(List<Map<String, Integer>> target, List<Map<String, Integer>> other) {
        for (int n = 0; n < target.size(); n++) {
            Map<String, Integer> order = target.get(n);
            other.get(n).forEach((ngram, count) -> order.merge(ngram, count, Integer::sum));
        }
    }

    /** Empty maps for orders 1..{@code maxOrder}. */
    static List<Map<String, Integer>> empty(int maxOrder) {
        List<Map<String, Integer>> counts = new ArrayList<>(maxOrder);
        for (int n = 0; n < maxOrder; n++) {
            counts.add(new HashMap<>());
        }
        return counts;
    }

    /** The key of {@code tokens[start, start + n)}. */
    static String key(List<String> tokens, int start, int n) {
        if (n == 1) {
            return tokens.get(start);
        }
        StringBuilder builder = new StringBuilder(tokens.get(start));
        for (int i = start + 1; i < start + n; i++) {
            builder.append(' ').append(tokens.get(i));
        }
        return builder.toString();
    }

    /** The key of the n-gram without its last token ("" for a unigram). */
    static String prefix(String ngram) {
        int space = ngram.lastIndexOf(' ');
        return space < 0 ? "" : ngram.substring(0, space);
    }

    /** The order of an n-gram key. */
    static int order(String ngram) {
        int order = 1;
        for (int i = 0; i < ngram.length(); i++) {
            if (ngram.charAt(i) == ' ') {
                order++;
            }
        }
        return order;
    }
}
