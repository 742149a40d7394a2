package io.github.peft4j.adapter.embedding;

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
 * The settings of an {@code embedding} adapter (embedding-only tuning), as users type them:
 *
 * <table>
 * <caption>settings</caption>
 * <tr><th>key</th><th>meaning</th><th>default</th></tr>
 * <tr><td>{@code length}</td><td>virtual tokens P</td><td>10; with {@code init=words} the number of the words'
 *     tokens (a different P repeats or cuts the words to fill P, as Hugging Face PEFT's {@code TEXT} init does);
 *     with {@code init=file} the file's P (if given, it must agree)</td></tr>
 * <tr><td>{@code mlp-width}</td><td>hidden width k of the reparameterisation
 *     {@code Embedding(P, d) -> Linear(d, k) -> tanh -> Linear(k, d)} (Li &amp; Liang's embedding-only code);
 *     0 trains the embeddings directly (Hugging Face PEFT's prompt tuning)</td><td>512; with {@code init=file} what
 *     the file holds (if given, it must agree)</td></tr>
 * <tr><td>{@code init}</td><td>{@code random} (PyTorch's default initialisation, seeded), {@code words} (the
 *     words' token embeddings; with an MLP, the MLP is fitted to them) or {@code file}</td><td>{@code file} when
 *     {@code init-file} is given, {@code words} when {@code init-ids} or {@code init-text} is, else
 *     {@code random}</td></tr>
 * <tr><td>{@code init-ids}</td><td>comma-separated token ids for {@code init=words}</td><td></td></tr>
 * <tr><td>{@code init-text}</td><td>text for {@code init=words}, encoded with the model's tokenizer</td><td></td></tr>
 * <tr><td>{@code init-file}</td><td>for {@code init=file}: a safetensors file of the trainable tensors
 *     ({@code prompt_module.*}) or a Hugging Face PEFT prompt-tuning directory (flat embeddings)</td><td></td></tr>
 * </table>
 *
 * @param length P, when fixed by the user
 * @param mlpWidth k, when fixed by the user
 * @param init where the starting embeddings come from
 * @param initIds the words' token ids ({@code init=words}), or empty
 * @param initText the words as text ({@code init=words}), or empty
 * @param initFile the starting tensors ({@code init=file}), or empty
 */
public record EmbeddingConfig(
        OptionalInt length,
        OptionalInt mlpWidth,
        Init init,
        List<Long> initIds,
        Optional<String> initText,
        Optional<Path> initFile) implements AdapterConfig {
    public static final String LENGTH = "length";
    public static final String MLP_WIDTH = "mlp-width";
    public static final String INIT = "init";
    public static final String INIT_IDS = "init-ids";
    public static final String INIT_TEXT = "init-text";
    public static final String INIT_FILE = "init-file";

    /** P when nothing else decides it: the middle of the paper's ablation (EMB-1, EMB-10, EMB-20). */
    public static final int DEFAULT_LENGTH = 10;
    /** k when nothing else decides it: Li &amp; Liang's code. */
    public static final int DEFAULT_MLP_WIDTH = 512;

    private static final List<String> KEYS = List.of(LENGTH, MLP_WIDTH, INIT, INIT_IDS, INIT_TEXT, INIT_FILE);

    /** Where the starting embeddings come from. */
    public enum Init {
        /** PyTorch's default initialisation of the same modules, from the adapter context's seed. */
        RANDOM,
        /** The token embeddings of real words (Hugging Face PEFT's {@code TEXT} init). */
        WORDS,
        /** Tensors saved earlier ({@link EmbeddingConfig#initFile}). */
        FILE;

        /** The value users type. */
        public String setting() {
            return Settings.setting(this);
        }
    }

    public EmbeddingConfig {
        requireNonNull(length, "length");
        requireNonNull(mlpWidth, "mlpWidth");
        requireNonNull(init, "init");
        initIds = List.copyOf(initIds);
        requireNonNull(initText, "initText");
        requireNonNull(initFile, "initFile");
        length.ifPresent(p -> check(p >= 1, LENGTH + " (the number of virtual tokens P) must be >= 1; got " + p));
        mlpWidth.ifPresent(k -> check(k >= 0, MLP_WIDTH + " (the MLP's hidden width k; 0 = no MLP) must be >= 0; got " + k));
        check(initIds.stream().allMatch(id -> id >= 0), INIT_IDS + " must be token ids >= 0; got " + initIds);
        check(initText.isEmpty() || !initText.get().isBlank(), INIT_TEXT + " must not be blank");
        Settings.checkInitSources(init.setting(), initIds, initText, initFile, "embeddings");
    }

    /** All defaults: P = 10, k = 512, random initialisation. */
    public static EmbeddingConfig defaults() {
        return fromSettings(Map.of());
    }

    /**
     * Parses settings as users type them. Unknown keys and bad values throw {@link PeftException} with
     * {@link StandardErrorCode#INVALID_ARGUMENT} naming the key and what it accepts.
     */
    public static EmbeddingConfig fromSettings(Map<String, String> settings) {
        Settings.checkKeys(EmbeddingAdapterProvider.NAME, settings, KEYS);
        OptionalInt length = Settings.optionalInt(settings, LENGTH, 1, "the number of virtual tokens P, a whole number >= 1");
        OptionalInt mlpWidth = Settings.optionalInt(settings, MLP_WIDTH, 0, "the MLP's hidden width k, a whole number >= 0 (0 = no MLP)");
        List<Long> ids = Settings.parseIds(INIT_IDS, settings.get(INIT_IDS));
        Optional<String> text = Optional.ofNullable(settings.get(INIT_TEXT));
        Optional<Path> file = Settings.optionalPath(settings, INIT_FILE);
        Init implied = file.isPresent() ? Init.FILE : !ids.isEmpty() || text.isPresent() ? Init.WORDS : Init.RANDOM;
        Init init = Settings.parseEnum(settings, INIT, Init.class, implied);
        return new EmbeddingConfig(length, mlpWidth, init, ids, text, file);
    }

    /** The settings {@link #fromSettings} reads back into an equal config; keys in a fixed order. */
    @Override
    public Map<String, String> toSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        length.ifPresent(p -> settings.put(LENGTH, Integer.toString(p)));
        mlpWidth.ifPresent(k -> settings.put(MLP_WIDTH, Integer.toString(k)));
        settings.put(INIT, init.setting());
        if (!initIds.isEmpty()) {
            settings.put(INIT_IDS, Settings.formatIds(initIds));
        }
        initText.ifPresent(text -> settings.put(INIT_TEXT, text));
        initFile.ifPresent(file -> settings.put(INIT_FILE, file.toString()));
        return settings;
    }
}
