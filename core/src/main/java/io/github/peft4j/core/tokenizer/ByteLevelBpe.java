package io.github.peft4j.core.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A byte-level BPE vocabulary and merge list as GPT-2, BART and RoBERTa ship them ({@code vocab.json} +
 * {@code merges.txt}), checked for consistency, and the {@code tokenizer.json} that Hugging Face's converter
 * ({@code GPT2Converter}) would make of them.
 */
final class ByteLevelBpe {
    /** GPT-2's and BART/RoBERTa's special tokens: registered as atomic added tokens when the vocabulary has them. */
    private static final List<String> SPECIAL_TOKENS = List.of("<|endoftext|>", "<s>", "</s>", "<pad>", "<unk>", "<mask>");
    /** RoBERTa and BART strip the space before {@code <mask>} ({@code AddedToken("<mask>", lstrip=True)}). */
    private static final String LEFT_STRIPPED_TOKEN = "<mask>";

    private final Map<String, Integer> vocab;
    private final List<String> merges;

    private ByteLevelBpe(Map<String, Integer> vocab, List<String> merges) {
        this.vocab = vocab;
        this.merges = merges;
    }

    /**
     * Checks the parts and keeps them with the vocabulary ordered by id.
     *
     * @param vocab token to id; ids non-negative and distinct
     * @param merges merge rules in priority order, each {@code "left right"} with both parts and their
     *     concatenation in {@code vocab}
     * @throws IllegalArgumentException naming the first inconsistency
     */
    static ByteLevelBpe of(Map<String, Integer> vocab, List<String> merges) {
        vocabProblem(vocab).ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
        for (int i = 0; i < merges.size(); i++) {
            int index = i;
            mergeProblem(merges.get(i), vocab).ifPresent(problem -> {
                throw new IllegalArgumentException("merge rule " + (index + 1) + " \"" + merges.get(index) + "\": " + problem);
            });
        }
        Map<String, Integer> byId = new LinkedHashMap<>();
        vocab.entrySet().stream()
                .sorted(Map.Entry.comparingByValue(Comparator.naturalOrder()))
                .forEach(entry -> byId.put(entry.getKey(), entry.getValue()));
        return new ByteLevelBpe(byId, List.copyOf(merges));
    }

    /** What is wrong with a vocabulary, if anything: no tokens, a missing or negative id, or an id used twice. */
    static Optional<String> vocabProblem(Map<String, Integer> vocab) {
        if (vocab.isEmpty()) {
            return Optional.of("the vocabulary has no tokens");
        }
        Map<Integer, String> tokenById = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> entry : vocab.entrySet()) {
            Integer id = entry.getValue();
            if (id == null || id < 0) {
                return Optional.of("token \"" + entry.getKey() + "\" has id " + id + "; ids must be non-negative integers");
            }
            String previous = tokenById.put(id, entry.getKey());
            if (previous != null) {
                return Optional.of("tokens \"" + previous + "\" and \"" + entry.getKey() + "\" share id " + id);
            }
        }
        return Optional.empty();
    }

    /** What is wrong with one merge rule {@code "left right"}, if anything, given the vocabulary. */
    static Optional<String> mergeProblem(String merge, Map<String, Integer> vocab) {
        if (merge.indexOf('\n') >= 0 || merge.indexOf('\r') >= 0) {
            return Optional.of("a merge rule cannot contain a line break");
        }
        String[] parts = merge.split(" ", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            return Optional.of("expected two tokens separated by one space");
        }
        for (String part : parts) {
            if (!vocab.containsKey(part)) {
                return Optional.of("token \"" + part + "\" is not in the vocabulary");
            }
        }
        String merged = parts[0] + parts[1];
        if (!vocab.containsKey(merged)) {
            return Optional.of("the merged token \"" + merged + "\" is not in the vocabulary");
        }
        return Optional.empty();
    }

    /** Token to id, ordered by id. */
    Map<String, Integer> vocab() {
        return vocab;
    }

    /** Merge rules {@code "left right"}, highest priority first. */
    List<String> merges() {
        return merges;
    }

    /** Every id the vocabulary assigns, ascending (the vocabulary is ordered by id). */
    int[] ids() {
        return vocab.values().stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The equivalent {@code tokenizer.json} as {@code tokenizers} 0.20+ writes it for GPT-2: no normalizer, a
     * ByteLevel pre-tokenizer without prefix space and with GPT-2's split regex, a BPE model without unknown token,
     * subword prefix or suffix, a ByteLevel decoder and post-processor, and the special tokens of
     * {@link #SPECIAL_TOKENS} that the vocabulary has as added tokens (matched before BPE, so they stay one id).
     */
    ObjectNode toTokenizerJson() {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        ObjectNode root = nodes.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode addedTokens = root.putArray("added_tokens");
        for (Map.Entry<String, Integer> entry : vocab.entrySet()) {
            if (SPECIAL_TOKENS.contains(entry.getKey())) {
                addedTokens.addObject()
                        .put("id", entry.getValue())
                        .put("content", entry.getKey())
                        .put("single_word", false)
                        .put("lstrip", LEFT_STRIPPED_TOKEN.equals(entry.getKey()))
                        .put("rstrip", false)
                        .put("normalized", false)
                        .put("special", true);
            }
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(false, true));
        // Adds nothing (no special tokens are added on encode); kept for parity with the converter's output.
        root.set("post_processor", byteLevel(true, false));
        root.set("decoder", byteLevel(true, true));

        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocabNode = model.putObject("vocab");
        vocab.forEach(vocabNode::put);
        ArrayNode mergesNode = model.putArray("merges");
        for (String merge : merges) {
            int space = merge.indexOf(' ');
            mergesNode.addArray().add(merge.substring(0, space)).add(merge.substring(space + 1));
        }
        return root;
    }

    private static ObjectNode byteLevel(boolean addPrefixSpace, boolean trimOffsets) {
        return JsonNodeFactory.instance.objectNode()
                .put("type", "ByteLevel")
                .put("add_prefix_space", addPrefixSpace)
                .put("trim_offsets", trimOffsets)
                .put("use_regex", true);
    }

    /**
     * Reads the ids of a parsed {@code vocab.json}.
     *
     * @throws IllegalArgumentException when it is not an object of token to non-negative integer id
     */
    static Map<String, Integer> vocabFromJson(JsonNode json) {
        if (!json.isObject()) {
            throw new IllegalArgumentException("expected a JSON object of token to id, found " + json.getNodeType());
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : json.properties()) {
            JsonNode id = field.getValue();
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                throw new IllegalArgumentException("token \"" + field.getKey() + "\" has id " + id + "; ids must be non-negative integers");
            }
            vocab.put(field.getKey(), id.intValue());
        }
        return vocab;
    }
}
