package io.github.peft4j.core.tokenizer;

import static io.github.peft4j.core.tokenizer.Gpt2StyleVocabulary.END_OF_TEXT;
import static io.github.peft4j.core.tokenizer.Gpt2StyleVocabulary.MERGES;
import static io.github.peft4j.core.tokenizer.Gpt2StyleVocabulary.byteIds;
import static io.github.peft4j.core.tokenizer.Gpt2StyleVocabulary.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.util.Utils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

final class TestHfTokenizers {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Texts that exercise the pre-tokenizer: whitespace runs, line breaks, punctuation, accents, emoji, CJK. */
    private static final List<String> TEXTS = List.of(
            "Hello world",
            "Hello world Hello world",
            "  leading and trailing spaces  ",
            "multiple     spaces\tand\ttabs",
            "line one\nline two\r\n\nline four\n",
            "Hello , world . no clean-up of spaces before punctuation !",
            "accents: café, naïve, Ærøskøbing, Łódź",
            "emoji 😀🎉👍🏽 and CJK 漢字かな",
            "Hello<|endoftext|> world<|endoftext|>",
            "it's they're we've I'm you'll he'd 123 4567",
            "");

    @TempDir
    Path temp;

    @Test
    void helloWorldIsTheTwoMergedTokens() {
        try (HfTextTokenizer tokenizer = gpt2Tokenizer()) {
            assertThat(id("Ġ")).as("the fixture follows GPT-2's byte order").isEqualTo(220);
            assertThat(tokenizer.encode("Hello world")).containsExactly(id("Hello"), id("Ġworld"));
            assertThat(tokenizer.encode(" world")).containsExactly(id("Ġworld"));
            assertThat(tokenizer.encode("Hell")).containsExactly(id("Hell"));
        }
    }

    @Test
    void textWithoutMergesFallsBackToOneTokenPerUtf8Byte() {
        String text = "café 😀 naïve";
        try (HfTextTokenizer tokenizer = gpt2Tokenizer()) {
            assertThat(tokenizer.encode(text)).containsExactly(byteIds(text)).hasSize(17);
        }
    }

    @Test
    void endOfTextInsideTextIsOneIdAndDecodesVisibly() {
        try (HfTextTokenizer tokenizer = gpt2Tokenizer()) {
            long[] ids = tokenizer.encode("Hello<|endoftext|> world");

            assertThat(ids).containsExactly(id("Hello"), id(END_OF_TEXT), id("Ġworld"));
            assertThat(id(END_OF_TEXT)).isEqualTo(Gpt2StyleVocabulary.vocab().size() - 1);
            assertThat(tokenizer.decode(ids)).isEqualTo("Hello<|endoftext|> world");
            assertThat(tokenizer.decode(new long[] {id(END_OF_TEXT)})).isEqualTo(END_OF_TEXT);
        }
    }

    @Test
    void vocabAndMergesGiveTheSameIdsAsAnEquivalentTokenizerJson() throws IOException {
        Path handWritten = Files.createDirectory(temp.resolve("tokenizer-json"));
        writeGpt2HubStyleTokenizerJson(handWritten, root -> { });

        try (HfTextTokenizer fromVocab = gpt2Tokenizer();
                HfTextTokenizer fromJson = HfTokenizers.fromModelDirectory(handWritten).orElseThrow()) {
            for (String text : TEXTS) {
                long[] ids = fromVocab.encode(text);
                assertThat(fromJson.encode(text)).as(text).containsExactly(ids);
                assertThat(fromJson.decode(ids)).as(text).isEqualTo(fromVocab.decode(ids));
            }
        }
    }

    @Test
    void tokenizerJsonIsPreferredOverVocabAndMerges() throws IOException {
        Path dir = gpt2Directory();
        Map<String, Integer> shifted = new LinkedHashMap<>();
        Gpt2StyleVocabulary.vocab().forEach((token, id) -> shifted.put(token, id + 1000));
        ObjectNode root = gpt2HubStyleTokenizerJson();
        ((ObjectNode) root.get("model")).set("vocab", JSON.valueToTree(shifted));
        ((ObjectNode) root.get("added_tokens").get(0)).put("id", id(END_OF_TEXT) + 1000);
        JSON.writeValue(dir.resolve(TokenizerFiles.TOKENIZER_JSON).toFile(), root);

        try (HfTextTokenizer tokenizer = HfTokenizers.fromModelDirectory(dir).orElseThrow()) {
            assertThat(tokenizer.encode("Hello world")).containsExactly(id("Hello") + 1000, id("Ġworld") + 1000);
        }
    }

    @Test
    void decodeOfEncodeGivesTheTextBack() {
        try (HfTextTokenizer tokenizer = gpt2Tokenizer()) {
            for (String text : TEXTS) {
                assertThat(tokenizer.decode(tokenizer.encode(text))).as(text).isEqualTo(text);
            }
        }
    }

    @Test
    void longInputIsNeitherTruncatedNorPadded() {
        String text = String.join(" ", Collections.nCopies(400, "Hello world"));
        try (HfTextTokenizer tokenizer = gpt2Tokenizer()) {
            long[] ids = tokenizer.encode(text);

            // "Hello", "Ġworld", then 399 times "Ġ", "Hello", "Ġworld" ("ĠHello" is not a token here).
            assertThat(ids).hasSize(2 + 399 * 3);
            assertThat(tokenizer.decode(ids)).isEqualTo(text);
        }
    }

    @Test
    void truncationAndPaddingInTokenizerJsonAreIgnored() throws IOException {
        writeGpt2HubStyleTokenizerJson(temp, root -> {
            root.putObject("truncation").put("direction", "Right").put("max_length", 4)
                    .put("strategy", "LongestFirst").put("stride", 0);
            ObjectNode padding = root.putObject("padding");
            padding.putObject("strategy").put("Fixed", 32);
            padding.put("direction", "Right").putNull("pad_to_multiple_of");
            padding.put("pad_id", id(END_OF_TEXT)).put("pad_type_id", 0).put("pad_token", END_OF_TEXT);
        });
        try (HfTextTokenizer tokenizer = HfTokenizers.fromModelDirectory(temp).orElseThrow()) {
            assertThat(tokenizer.encode("Hello world Hello world")).containsExactly(
                    id("Hello"), id("Ġworld"), id("Ġ"), id("Hello"), id("Ġworld"));
        }
    }

    @Test
    void bartStyleSpecialTokensAreAtomicAndMaskTakesTheSpaceBeforeIt() throws IOException {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String special : List.of("<s>", "<pad>", "</s>", "<unk>")) {
            vocab.put(special, vocab.size());
        }
        Gpt2StyleVocabulary.vocab().forEach((token, id) -> {
            if (!token.equals(END_OF_TEXT)) {
                vocab.put(token, vocab.size());
            }
        });
        vocab.put("<mask>", vocab.size());
        TokenizerFiles.writeByteLevelBpe(temp, vocab, MERGES);

        try (HfTextTokenizer tokenizer = HfTokenizers.fromModelDirectory(temp).orElseThrow()) {
            long hello = vocab.get("Hello");
            long world = vocab.get("Ġworld");
            long mask = vocab.get("<mask>");
            assertThat(tokenizer.encode("<s>Hello world</s>")).containsExactly(0, hello, world, 2);
            assertThat(tokenizer.encode("Hello <mask> world<pad><unk>")).containsExactly(hello, mask, world, 1, 3);
            assertThat(tokenizer.decode(new long[] {0, hello, mask, 2})).isEqualTo("<s>Hello<mask></s>");
        }
    }

    @Test
    void mergesFileWithoutHeaderAndWithCrLfLineEndsReadsTheSame() throws IOException {
        Path dir = gpt2Directory();
        Files.writeString(dir.resolve(TokenizerFiles.MERGES_TXT), String.join("\r\n", MERGES) + "\r\n");

        try (HfTextTokenizer tokenizer = HfTokenizers.fromModelDirectory(dir).orElseThrow()) {
            assertThat(tokenizer.encode("Hello world")).containsExactly(id("Hello"), id("Ġworld"));
        }
    }

    @Test
    void writerProducesGpt2LayoutAndLeavesNoTemporaryFiles() throws IOException {
        Path dir = gpt2Directory();

        assertThat(Files.readAllLines(dir.resolve(TokenizerFiles.MERGES_TXT), StandardCharsets.UTF_8))
                .first().isEqualTo("#version: 0.2");
        assertThat(Files.readAllLines(dir.resolve(TokenizerFiles.MERGES_TXT), StandardCharsets.UTF_8))
                .hasSize(MERGES.size() + 1).endsWith("Ġworl d");
        Map<?, ?> vocab = JSON.readValue(dir.resolve(TokenizerFiles.VOCAB_JSON).toFile(), Map.class);
        assertThat(vocab).isEqualTo(Gpt2StyleVocabulary.vocab());
        try (var files = Files.list(dir)) {
            assertThat(files.map(file -> file.getFileName().toString()))
                    .containsExactlyInAnyOrder(TokenizerFiles.VOCAB_JSON, TokenizerFiles.MERGES_TXT);
        }
    }

    @Test
    void writerRejectsMergesTheVocabularyCannotExpress() {
        Map<String, Integer> vocab = Gpt2StyleVocabulary.vocab();

        assertThatThrownBy(() -> TokenizerFiles.writeByteLevelBpe(temp, vocab, List.of("H e", "x yz")))
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode())
                        .isEqualTo(StandardErrorCode.INVALID_ARGUMENT.toErrorCode()))
                .hasMessageContaining("merge rule 2 \"x yz\"")
                .hasMessageContaining("\"yz\" is not in the vocabulary");
        assertThatThrownBy(() -> TokenizerFiles.writeByteLevelBpe(temp, Map.of("a", 0, "b", 0), List.of()))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("share id 0");
        assertThat(temp).isEmptyDirectory();
    }

    @Test
    void idsOutsideTheVocabularyAreRejected() {
        long size = Gpt2StyleVocabulary.vocab().size();
        try (HfTextTokenizer tokenizer = gpt2Tokenizer()) {
            for (long bad : new long[] {size, -1, Long.MAX_VALUE}) {
                assertThatThrownBy(() -> tokenizer.decode(new long[] {id("Hello"), bad}))
                        .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode())
                                .isEqualTo(StandardErrorCode.INVALID_ARGUMENT.toErrorCode()))
                        .hasMessageContaining("Token id " + bad + " at position 1");
            }
            assertThat(tokenizer.decode(new long[0])).isEmpty();
        }
    }

    static Stream<Arguments> malformedVocabJsons() {
        return Stream.of(
                Arguments.of("{\"a\": 0, ", "not valid JSON"),
                Arguments.of("[\"a\", \"b\"]", "expected a JSON object"),
                Arguments.of("{\"a\": 0, \"b\": \"1\"}", "token \"b\" has id \"1\""),
                Arguments.of("{\"a\": 0, \"b\": 0}", "share id 0"),
                Arguments.of("{\"a\": 0, \"a\": 1}", "Duplicate field 'a'"),
                Arguments.of("{}", "no tokens"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("malformedVocabJsons")
    void malformedVocabJsonNamesTheFile(String content, String problem) throws IOException {
        Path vocab = gpt2Directory().resolve(TokenizerFiles.VOCAB_JSON);

        Files.writeString(vocab, content);

        assertMalformed(vocab, problem);
    }

    static Stream<Arguments> malformedMergesTxts() {
        return Stream.of(
                Arguments.of(utf8("#version: 0.2\nH e\nHe l x\n"), "line 3 \"He l x\": expected two tokens separated by one space"),
                Arguments.of(utf8("H e\nHe q\n"), "line 2 \"He q\": the merged token \"Heq\" is not in the vocabulary"),
                Arguments.of(new byte[] {'H', ' ', 'e', '\n', (byte) 0xC3, '\n'}, "not valid UTF-8"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("malformedMergesTxts")
    void malformedMergesTxtNamesTheFileAndLine(byte[] content, String problem) throws IOException {
        Path merges = gpt2Directory().resolve(TokenizerFiles.MERGES_TXT);

        Files.write(merges, content);

        assertMalformed(merges, problem);
    }

    /** Broken syntax, a structure that is not a tokenizer's, and hub-style files the native tokenizer rejects. */
    static Stream<Arguments> malformedTokenizerJsons() {
        return Stream.of(
                Arguments.of("{\"version\": \"1.0\", ", "not valid JSON"),
                Arguments.of("{\"version\": \"1.0\"}", "no model.vocab"),
                Arguments.of(gpt2HubStyleTokenizerJson(root -> ((ArrayNode) root.get("model").get("merges")).add("Hello Ġ")), "rejected"),
                Arguments.of(gpt2HubStyleTokenizerJson(root -> ((ObjectNode) root.get("model")).put("type", "NoSuchModel")), "rejected"),
                Arguments.of("[]", "expected a JSON object"),
                Arguments.of("{\"model\": []}", "no model.vocab"),
                Arguments.of("{\"model\": {\"vocab\": {\"a\": -1}}}", "model.vocab has id -1"),
                Arguments.of(gpt2HubStyleTokenizerJson(root -> root.put("added_tokens", 5)), "added_tokens is not a list"),
                Arguments.of(gpt2HubStyleTokenizerJson(root -> ((ObjectNode) root.get("model")).put("merges", 5)), "rejected"),
                Arguments.of(gpt2HubStyleTokenizerJson(root -> root.remove("model")), "no model.vocab"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("malformedTokenizerJsons")
    void malformedTokenizerJsonNamesTheFile(String content, String problem) throws IOException {
        Path file = temp.resolve(TokenizerFiles.TOKENIZER_JSON);

        Files.writeString(file, content);

        assertMalformed(file, problem);
    }

    @Test
    void aTokenizerFileThatCannotBeReadIsNamedWithoutJavaNames() throws IOException {
        Files.createDirectory(temp.resolve(TokenizerFiles.TOKENIZER_JSON));

        assertThatThrownBy(() -> HfTokenizers.fromModelDirectory(temp))
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode())
                        .isEqualTo(StandardErrorCode.FILE_NOT_FOUND.toErrorCode()))
                .hasMessageContaining(temp.resolve(TokenizerFiles.TOKENIZER_JSON).toString())
                .hasMessageNotContaining("java.");
    }

    @Test
    void aSparseVocabularyWithHugeIdsCostsMemoryForItsEntriesOnly() throws IOException {
        // As a BitSet the id 2147483647 alone would take 256 MB.
        Path dir = gpt2Directory();
        Map<String, Integer> vocab = new LinkedHashMap<>(Gpt2StyleVocabulary.vocab());
        vocab.put(END_OF_TEXT, Integer.MAX_VALUE);
        Files.writeString(dir.resolve(TokenizerFiles.VOCAB_JSON), JSON.writeValueAsString(vocab));

        try (HfTextTokenizer tokenizer = HfTokenizers.fromModelDirectory(dir).orElseThrow()) {
            assertThat(tokenizer.encode("<|endoftext|>")).containsExactly(Integer.MAX_VALUE);
            assertThatThrownBy(() -> tokenizer.decode(new long[] {Integer.MAX_VALUE - 1L}))
                    .isInstanceOf(PeftException.class)
                    .hasMessageContaining("the largest " + Integer.MAX_VALUE);
        }
    }

    @Test
    void onlyOneOfVocabAndMergesIsMalformed() throws IOException {
        Path dir = gpt2Directory();
        Files.delete(dir.resolve(TokenizerFiles.MERGES_TXT));

        assertThatThrownBy(() -> HfTokenizers.fromModelDirectory(dir))
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode())
                        .isEqualTo(StandardErrorCode.MALFORMED_CONFIG.toErrorCode()))
                .hasMessageContaining("has vocab.json but no merges.txt");
    }

    @Test
    void directoryWithoutTokenizerFilesGivesNothing() throws IOException {
        Files.writeString(temp.resolve("config.json"), "{\"model_type\": \"gpt2\"}");

        assertThat(HfTokenizers.fromModelDirectory(temp)).isEmpty();
        assertThatThrownBy(() -> HfTokenizers.fromModelDirectory(temp.resolve("missing")))
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode())
                        .isEqualTo(StandardErrorCode.FILE_NOT_FOUND.toErrorCode()));
    }

    @Test
    void closedTokenizerRefusesWorkAndClosingTwiceIsHarmless() {
        HfTextTokenizer tokenizer = gpt2Tokenizer();
        tokenizer.close();
        tokenizer.close();

        assertThatThrownBy(() -> tokenizer.encode("Hello")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void loadingAndTokenizingAttemptNoNetworkConnection() throws IOException {
        assertThat(Utils.isOfflineMode()).as("surefire runs DJL offline").isTrue();
        Path handWritten = Files.createDirectory(temp.resolve("tokenizer-json"));
        writeGpt2HubStyleTokenizerJson(handWritten, root -> { });
        Path vocabAndMerges = gpt2Directory();

        List<URI> attempts = new CopyOnWriteArrayList<>();
        ProxySelector previous = ProxySelector.getDefault();
        ProxySelector.setDefault(new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                attempts.add(uri);
                return List.of(Proxy.NO_PROXY);
            }

            @Override
            public void connectFailed(URI uri, SocketAddress address, IOException e) {
                attempts.add(uri);
            }
        });
        try {
            for (Path dir : List.of(handWritten, vocabAndMerges)) {
                try (HfTextTokenizer tokenizer = HfTokenizers.fromModelDirectory(dir).orElseThrow()) {
                    tokenizer.decode(tokenizer.encode("Hello world"));
                }
            }
        }
        finally {
            ProxySelector.setDefault(previous);
        }
        assertThat(attempts).as("connections Java code tried to open").isEmpty();
    }

    private Path gpt2Directory() {
        Path dir = temp.resolve("gpt2-vocab-merges");
        TokenizerFiles.writeByteLevelBpe(dir, Gpt2StyleVocabulary.vocab(), MERGES);
        return dir;
    }

    private HfTextTokenizer gpt2Tokenizer() {
        return HfTokenizers.fromModelDirectory(gpt2Directory()).orElseThrow();
    }

    /**
     * The fixture as the Hugging Face hub's {@code gpt2/tokenizer.json} spells it (merges as {@code "a b"}
     * strings, {@code <|endoftext|>} normalized), written independently of the code under test.
     */
    private static ObjectNode gpt2HubStyleTokenizerJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0").putNull("truncation");
        root.putNull("padding");
        root.putArray("added_tokens").addObject()
                .put("id", id(END_OF_TEXT)).put("content", END_OF_TEXT)
                .put("single_word", false).put("lstrip", false).put("rstrip", false)
                .put("normalized", true).put("special", true);
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true);
        root.putObject("post_processor").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", false);
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true);
        ObjectNode model = root.putObject("model");
        model.putNull("dropout").putNull("unk_token");
        model.put("continuing_subword_prefix", "").put("end_of_word_suffix", "").put("fuse_unk", false);
        model.set("vocab", JSON.valueToTree(Gpt2StyleVocabulary.vocab()));
        ArrayNode merges = model.putArray("merges");
        MERGES.forEach(merges::add);
        return root;
    }

    private static void writeGpt2HubStyleTokenizerJson(Path dir, Consumer<ObjectNode> edit) throws IOException {
        Files.writeString(dir.resolve(TokenizerFiles.TOKENIZER_JSON), gpt2HubStyleTokenizerJson(edit));
    }

    /** The text of {@link #gpt2HubStyleTokenizerJson()} as {@code edit} changes it. */
    private static String gpt2HubStyleTokenizerJson(Consumer<ObjectNode> edit) {
        ObjectNode root = gpt2HubStyleTokenizerJson();
        edit.accept(root);
        return root.toString();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertMalformed(Path file, String problem) {
        assertThatThrownBy(() -> HfTokenizers.fromModelDirectory(file.getParent()))
                .isInstanceOfSatisfying(PeftException.class, e -> assertThat(e.getErrorCode())
                        .isEqualTo(StandardErrorCode.MALFORMED_CONFIG.toErrorCode()))
                .hasMessageContaining(file.toString())
                .hasMessageContaining(problem);
    }
}
