package io.github.peft4j.adapter.infix;

import static io.github.peft4j.core.adapter.Settings.check;
import static java.util.Objects.requireNonNull;

import io.github.peft4j.core.adapter.Settings;
import io.github.peft4j.spi.AdapterConfig;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The settings of an {@code infix} adapter (infix-tuning {@code [x; INFIX; y]}), as users type them:
 *
 * <table>
 * <caption>settings</caption>
 * <tr><th>key</th><th>meaning</th><th>default</th></tr>
 * <tr><td>{@code length}</td><td>infix tokens I</td><td>10; with {@code init=words} the number of the words'
 *     tokens, with {@code init=file} the file's I (if given, it must agree)</td></tr>
 * <tr><td>{@code mlp-width}</td><td>hidden width k of the reparameterisation
 *     {@code Embedding(I, d) -> Linear(d, k) -> tanh -> Linear(k, L*2*d)}; 0 trains the activations directly</td>
 *     <td>512; with {@code init=file} what the file holds (if given, it must agree)</td></tr>
 * <tr><td>{@code boundary}</td><td>where the infix sits: {@code separator}, before the source's last token (the
 *     {@code <|endoftext|>} separator of Li &amp; Liang's layout, which their code puts on the target's side, so
 *     that the prediction of the target's first token sees the infix); {@code target}, exactly between the source and
 *     the target (the first target token is then predicted by the last source token, which does not see the
 *     infix)</td><td>{@code separator}</td></tr>
 * <tr><td>{@code init}</td><td>{@code random} (PyTorch's default initialisation, seeded), {@code words} (the
 *     keys/values of real tokens) or {@code file}</td><td>{@code file} when {@code init-file} is given,
 *     {@code words} when {@code init-ids} or {@code init-text} is, else {@code random}</td></tr>
 * <tr><td>{@code init-ids}</td><td>comma-separated token ids for {@code init=words}</td><td></td></tr>
 * <tr><td>{@code init-text}</td><td>text for {@code init=words}, encoded with the model's tokenizer</td><td></td></tr>
 * <tr><td>{@code init-context-ids}</td><td>for {@code init=words}: token ids the words are read after; their
 *     keys/values are those the words have at the positions, and with the history, that follow this context. With
 *     the exact tokens that precede the infix in a row, the infix equals inserting the words there</td><td>none: the
 *     words' keys/values at positions 0..I-1</td></tr>
 * <tr><td>{@code init-context-text}</td><td>the same context as text</td><td></td></tr>
 * <tr><td>{@code init-file}</td><td>for {@code init=file}: a safetensors file of the trainable tensors
 *     ({@code infix_module.*}) or an exported infix directory</td><td></td></tr>
 * </table>
 *
 * @param length I, when fixed by the user
 * @param mlpWidth k, when fixed by the user
 * @param boundary where the infix sits
 * @param init where the starting infix comes from
 * @param initIds the words' token ids ({@code init=words}), or empty
 * @param initText the words as text ({@code init=words}), or empty
 * @param contextIds the context before the words ({@code init=words}), or empty
 * @param contextText the context as text ({@code init=words}), or empty
 * @param initFile the starting tensors ({@code init=file}), or empty
 */
public record InfixConfig(
        OptionalInt length,
        OptionalInt mlpWidth,
        Boundary boundary,
        Init init,
        List<Long> initIds,
        Optional<String> initText,
        List<Long> contextIds,
        Optional<String> contextText,
        Optional<Path> initFile) implements AdapterConfig {
    public static final String LENGTH = "length";
    public static final String MLP_WIDTH = "mlp-width";
    public static final String BOUNDARY = "boundary";
    public static final String INIT = "init";
    public static final String INIT_IDS = "init-ids";
    public static final String INIT_TEXT = "init-text";
    public static final String INIT_CONTEXT_IDS = "init-context-ids";
    public static final String INIT_CONTEXT_TEXT = "init-context-text";
    public static final String INIT_FILE = "init-file";

    /** I when nothing else decides it: the middle of the paper's ablation (INFIX-1, INFIX-10, INFIX-20). */
    public static final int DEFAULT_LENGTH = 10;
    /** k when nothing else decides it: the paper's table-to-text setting, as for prefix-tuning. */
    public static final int DEFAULT_MLP_WIDTH = 512;

    private static final List<String> KEYS = List.of(LENGTH, MLP_WIDTH, BOUNDARY, INIT, INIT_IDS, INIT_TEXT, INIT_CONTEXT_IDS, INIT_CONTEXT_TEXT,
            INIT_FILE);

    /** Where the infix sits relative to a row's source and target. */
    public enum Boundary {
        /** Before the source's last token (the separator), as Li &amp; Liang's code places it. */
        SEPARATOR,
        /** Exactly between the source and the target. */
        TARGET;

        /** The value users type. */
        public String setting() {
            return Settings.setting(this);
        }

        /** How many of the source's last tokens come after the infix. */
        public int sourceTail() {
            return this == SEPARATOR ? 1 : 0;
        }
    }

    /** Where the starting infix comes from. */
    public enum Init {
        /** PyTorch's default initialisation of the same modules, from the adapter context's seed. */
        RANDOM,
        /** The keys and values that real words produce in the frozen model. */
        WORDS,
        /** Tensors saved earlier ({@link InfixConfig#initFile}). */
        FILE;

        /** The value users type. */
        public String setting() {
            return Settings.setting(this);
        }
    }

    public InfixConfig {
        requireNonNull(length, "length");
        requireNonNull(mlpWidth, "mlpWidth");
        requireNonNull(boundary, "boundary");
        requireNonNull(init, "init");
        initIds = List.copyOf(initIds);
        requireNonNull(initText, "initText");
        contextIds = List.copyOf(contextIds);
        requireNonNull(contextText, "contextText");
        requireNonNull(initFile, "initFile");
        length.ifPresent(i -> check(i >= 1, LENGTH + " (the number of infix tokens I) must be >= 1; got " + i));
        mlpWidth.ifPresent(k -> check(k >= 0, MLP_WIDTH + " (the MLP's hidden width k; 0 = no MLP) must be >= 0; got " + k));
        check(initIds.stream().allMatch(id -> id >= 0), INIT_IDS + " must be token ids >= 0; got " + initIds);
        check(contextIds.stream().allMatch(id -> id >= 0), INIT_CONTEXT_IDS + " must be token ids >= 0; got " + contextIds);
        check(initText.isEmpty() || !initText.get().isBlank(), INIT_TEXT + " must not be blank");
        check(contextText.isEmpty() || !contextText.get().isEmpty(), INIT_CONTEXT_TEXT + " must not be empty");
        check(contextIds.isEmpty() || contextText.isEmpty(), "Give at most one of " + INIT_CONTEXT_IDS + " and " + INIT_CONTEXT_TEXT);
        boolean context = !contextIds.isEmpty() || contextText.isPresent();
        switch (init) {
            case RANDOM -> check(initIds.isEmpty() && initText.isEmpty() && initFile.isEmpty() && !context,
                    INIT + "=random takes no " + INIT_IDS + ", " + INIT_TEXT + ", " + INIT_CONTEXT_IDS + ", " + INIT_CONTEXT_TEXT + " or " + INIT_FILE
                            + "; use " + INIT + "=words or " + INIT + "=file");
            case WORDS -> {
                check(initIds.isEmpty() != initText.isEmpty(), INIT + "=words needs exactly one of " + INIT_IDS + " or " + INIT_TEXT);
                check(initFile.isEmpty(), INIT + "=words takes no " + INIT_FILE + "; the words decide the starting infix");
            }
            case FILE -> {
                check(initFile.isPresent(), INIT + "=file needs " + INIT_FILE);
                check(initIds.isEmpty() && initText.isEmpty() && !context, INIT + "=file takes no " + INIT_IDS + ", " + INIT_TEXT + " or context"
                        + "; the file decides the starting infix");
            }
        }
    }

    /** All defaults: I = 10, k = 512, the separator boundary, random initialisation. */
    public static InfixConfig defaults() {
        return fromSettings(Map.of());
    }

    /**
     * Parses settings as users type them. Unknown keys and bad values throw {@link PeftException} with
     * {@link StandardErrorCode#INVALID_ARGUMENT} naming the key and what it accepts.
     */
    public static InfixConfig fromSettings(Map<String, String> settings) {
        Settings.checkKeys(InfixAdapterProvider.NAME, settings, KEYS);
        OptionalInt length = Settings.optionalInt(settings, LENGTH, 1, "the number of infix tokens I, a whole number >= 1");
        OptionalInt mlpWidth = Settings.optionalInt(settings, MLP_WIDTH, 0, "the MLP's hidden width k, a whole number >= 0 (0 = no MLP)");
        Boundary boundary = Settings.parseEnum(settings, BOUNDARY, Boundary.class, Boundary.SEPARATOR);
        List<Long> ids = Settings.parseIds(INIT_IDS, settings.get(INIT_IDS));
        Optional<String> text = Optional.ofNullable(settings.get(INIT_TEXT));
        List<Long> contextIds = Settings.parseIds(INIT_CONTEXT_IDS, settings.get(INIT_CONTEXT_IDS));
        Optional<String> contextText = Optional.ofNullable(settings.get(INIT_CONTEXT_TEXT));
        Optional<Path> file = Settings.optionalPath(settings, INIT_FILE);
        Init implied = file.isPresent() ? Init.FILE : !ids.isEmpty() || text.isPresent() ? Init.WORDS : Init.RANDOM;
        Init init = Settings.parseEnum(settings, INIT, Init.class, implied);
        return new InfixConfig(length, mlpWidth, boundary, init, ids, text, contextIds, contextText, file);
    }

    /** The settings {@link #fromSettings} reads back into an equal config; keys in a fixed order. */
    @Override
    public Map<String, String> toSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        length.ifPresent(i -> settings.put(LENGTH, Integer.toString(i)));
        mlpWidth.ifPresent(k -> settings.put(MLP_WIDTH, Integer.toString(k)));
        settings.put(BOUNDARY, boundary.setting());
        settings.put(INIT, init.setting());
        if (!initIds.isEmpty()) {
            settings.put(INIT_IDS, Settings.formatIds(initIds));
        }
        initText.ifPresent(text -> settings.put(INIT_TEXT, text));
        if (!contextIds.isEmpty()) {
            settings.put(INIT_CONTEXT_IDS, Settings.formatIds(contextIds));
        }
        contextText.ifPresent(text -> settings.put(INIT_CONTEXT_TEXT, text));
        initFile.ifPresent(file -> settings.put(INIT_FILE, file.toString()));
        return settings;
    }
}
