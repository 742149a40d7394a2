package io.github.peft4j.cli;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PyTorch's own operator profiler around part of a run (through DJL's PyTorch engine), and what the trace says:
 * the self time of each operator (its time minus that of the operators it called), per step. The trace itself is a
 * Chrome trace file (open it in chrome://tracing or ui.perfetto.dev).
 */
final class TorchProfile {
    /** The operators that are matrix products: the work the FLOP count counts. */
    private static final Set<String> MATRIX_PRODUCTS = Set.of("aten::mm", "aten::bmm", "aten::addmm", "aten::matmul", "aten::linear");
    private static final int LISTED = 15;

    private TorchProfile() {}

    static void start() {
        JniUtils.startProfile(false, true, false);
    }

    /**
     * Stops the profiler, writes its trace to {@code trace} and summarises it: {@code ms_per_step} of the
     * {@value #LISTED} operators with the most self time, and the share of all operator time spent in matrix products.
     */
    static ObjectNode stop(Path trace, int steps) {
        JniUtils.stopProfile(trace.toString());
        JsonNode events;
        try {
            JsonNode root = new ObjectMapper().readTree(trace.toFile());
            events = root.isArray() ? root : root.path("traceEvents");
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.INTERNAL_ERROR, "Could not read PyTorch's profile " + trace + ": " + e.getMessage(), e);
        }
        Map<String, Double> selfMicros = selfTimes(events);
        double total = selfMicros.values().stream().mapToDouble(Double::doubleValue).sum();
        double products = selfMicros.entrySet().stream().filter(e -> MATRIX_PRODUCTS.contains(e.getKey())).mapToDouble(Map.Entry::getValue).sum();
        ObjectNode summary = new ObjectMapper().createObjectNode();
        summary.put("trace", trace.toString());
        summary.put("operator_ms_per_step", total / 1000 / steps);
        summary.put("matrix_product_share", total > 0 ? products / total : 0);
        ObjectNode top = summary.putObject("top_operators_ms_per_step");
        selfMicros.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(LISTED)
                .forEach(e -> top.put(e.getKey(), e.getValue() / 1000 / steps));
        return summary;
    }

    /** Self time per operator name: complete events nest by time within a thread, a parent's time minus its children's. */
    private static Map<String, Double> selfTimes(JsonNode events) {
        Map<String, List<JsonNode>> byThread = new HashMap<>();
        for (JsonNode event : events) {
            if ("X".equals(event.path("ph").asText())) {
                byThread.computeIfAbsent(event.path("pid").asText() + "/" + event.path("tid").asText(), k -> new ArrayList<>()).add(event);
            }
        }
        Map<String, Double> self = new HashMap<>();
        for (List<JsonNode> thread : byThread.values()) {
            thread.sort(Comparator.<JsonNode>comparingDouble(e -> e.path("ts").asDouble()).thenComparing(e -> -e.path("dur").asDouble()));
            Deque<double[]> open = new ArrayDeque<>(); // {end, index in names}
            List<String> names = new ArrayList<>();
            List<Double> selfOf = new ArrayList<>();
            for (JsonNode event : thread) {
                double start = event.path("ts").asDouble();
                double duration = event.path("dur").asDouble();
                while (!open.isEmpty() && open.peek()[0] <= start) {
                    open.pop();
                }
                if (!open.isEmpty()) {
                    int parent = (int) open.peek()[1];
                    selfOf.set(parent, selfOf.get(parent) - duration);
                }
                names.add(event.path("name").asText());
                selfOf.add(duration);
                open.push(new double[] {start + duration, names.size() - 1});
            }
            for (int i = 0; i < names.size(); i++) {
                self.merge(names.get(i), selfOf.get(i), Double::sum);
            }
        }
        return self;
    }
}
