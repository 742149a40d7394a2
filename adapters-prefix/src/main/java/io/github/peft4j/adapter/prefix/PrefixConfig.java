package io.github.peft4j.adapter.prefix;

import static io.github.peft4j.core.adapter.Settings.check;
import static io.github.peft4j.core.adapter.Settings.invalid;
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
 * The settings of a {@code prefix} adapter, as users type them:
 *
 * <table>
 * <caption>settings</caption>
 * <tr><th>key</th><th>meaning</th><th>default</th></tr>
 * <tr><td>{@code length}</td><td>virtual tokens P</td><td>10; with {@code init=words} the number of the words'
 *     tokens, with {@code init=file} the file's P (if given, it must agree)</td></tr>
 * <tr><td>{@code mlp-width}</td><td>hidden width k of the reparameterisation
 *     {@code Embedding(P, d) -> Linear(d, k) -> tanh -> Linear(k, L*2*d)}; 0 trains the prefix directly</td>
 *     <td>512; with {@code init=file} what the file holds (if given, it must agree)</td></tr>
 * <tr><td>{@code dropout}</td><td>dropout probability on the produced keys and values while training</td>
 *     <td>0</td></tr>
 * <tr><td>{@code parts}</td><td>which attention sites of an encoder-decoder model get a prefix:
 *     {@code liliang} (Li &amp; Liang's BART: three independent parts, encoder self-attention, decoder
 *     self-attention and decoder cross-attention, named {@code prefix_module.{encoder,decoder,cross}.*}) or
 *     {@code peft} (what Hugging Face PEFT's seq2seq prefix-tuning reaches: one part, {@code prefix_module.*},
 *     rows {@code [P, L*2*d]}, at the decoder self-attention only, where every decoder layer gets the rows'
 *     layer-0 keys and values, as PEFT hands them over). A decoder-only model has one decoder self-attention
 *     part either way</td><td>{@code liliang} for an encoder-decoder model, {@code peft} otherwise</td></tr>
 * <tr><td>{@code positions}</td><td>{@code peft}: real tokens are numbered from P (Hugging Face PEFT, Li &amp;
 *     Liang's GPT-2); {@code zero}: from 0 (Li &amp; Liang's BART)</td><td>{@code zero} with
 *     {@code parts=liliang} on an encoder-decoder model, else {@code peft}</td></tr>
 * <tr><td>{@code init}</td><td>{@code random} (PyTorch's default initialisation, seeded), {@code words}
 *     (the keys/values of real tokens) or {@code file}</td><td>{@code file} when {@code init-file} is given,
 *     {@code words} when {@code init-ids} or {@code init-text} is, else {@code random}</td></tr>
 * <tr><td>{@code init-ids}</td><td>comma-separated token ids for {@code init=words}</td><td></td></tr>
 * <tr><td>{@code init-text}</td><td>text for {@code init=words}, encoded with the model's tokenizer</td>
 *     <td></td></tr>
 * <tr><td>{@code init-file}</td><td>for {@code init=file}: a safetensors file holding the trainable tensors
 *     under their names ({@code prefix_module.*}, as the project's golden {@code init.safetensors}), or a Hugging
 *     Face PEFT prefix-tuning directory (a flat prefix)</td><td></td></tr>
 * </table>
 *
 * @param length P, when fixed by the user
 * @param mlpWidth k, when fixed by the user
 * @param dropout in [0, 1)
 * @param parts which attention sites get a prefix, when fixed by the user (else decided by the model)
 * @param positions how real tokens are numbered after the prefix, when fixed by the user (else decided by the
 *     model and {@code parts})
 * @param init where the starting prefix comes from
 * @param initIds the words' token ids ({@code init=words}), or empty
 * @param initText the words as text ({@code init=words}), or empty
 * @param initFile the starting tensors ({@code init=file}), or empty
 */
public record PrefixConfig(
        OptionalInt length,
        OptionalInt mlpWidth,
        double dropout,
        Optional<Parts> parts,
        Optional<Positions> positions,
        Init init,
        List<Long> initIds,
        Optional<String> initText,
        Optional<Path> initFile) implements AdapterConfig {
    public static final String LENGTH = "length";
    public static final String MLP_WIDTH = "mlp-width";
    public static final String DROPOUT = "dropout";
    public static final String PARTS = "parts";
    public static final String POSITIONS = "positions";
    public static final String INIT = "init";
    public static final String INIT_IDS = "init-ids";
    public static final String INIT_TEXT = "init-text";
    public static final String INIT_FILE = "init-file";

    /** P when nothing else decides it: the paper's table-to-text setting. */
    public static final int DEFAULT_LENGTH = 10;
    /** k when nothing else decides it: the paper's table-to-text setting. */
    public static final int DEFAULT_MLP_WIDTH = 512;

    private static final List<String> KEYS = List.of(LENGTH, MLP_WIDTH, DROPOUT, PARTS, POSITIONS, INIT, INIT_IDS, INIT_TEXT, INIT_FILE);

    /** How the backend numbers real tokens after the prefix. */
    public enum Positions {
        /** From P, as Hugging Face PEFT and Li &amp; Liang's GPT-2 do. */
        PEFT,
        /** From 0, as Li &amp; Liang's BART does. */
        ZERO;

        /** The value users type. */
        public String setting() {
            return Settings.setting(this);
        }
    }

    /** Which attention sites of an encoder-decoder model get a prefix. */
    public enum Parts {
        /** Li &amp; Liang's BART: encoder self-, decoder self- and decoder cross-attention, each its own part. */
        LILIANG,
        /**
         * Hugging Face PEFT's seq2seq prefix-tuning: decoder self-attention only, every layer given the rows' layer-0
         * keys and values.
         */
        PEFT;

        /** The value users type. */
        public String setting() {
            return Settings.setting(this);
        }
    }

    /** Where the starting prefix comes from. */
    public enum Init {
        /** PyTorch's default initialisation of the same modules, from the adapter context's seed. */
        RANDOM,
        /** The keys and values that real words produce in the frozen model (the paper's "real word" init). */
        WORDS,
        /** Tensors saved earlier ({@link PrefixConfig#initFile}). */
        FILE;

        /** The value users type. */
        public String setting() {
            return Settings.setting(this);
        }
    }

    public PrefixConfig {
        requireNonNull(length, "length");
        requireNonNull(mlpWidth, "mlpWidth");
        requireNonNull(parts, "parts");
        requireNonNull(positions, "positions");
        requireNonNull(init, "init");
        initIds = List.copyOf(initIds);
        requireNonNull(initText, "initText");
        requireNonNull(initFile, "initFile");
        length.ifPresent(p -> check(p >= 1, LENGTH + " (the number of virtual tokens P) must be >= 1; got " + p));
        mlpWidth.ifPresent(k -> check(k >= 0, MLP_WIDTH + " (the MLP's hidden width k; 0 = no MLP) must be >= 0; got " + k));
        check(Double.isFinite(dropout) && dropout >= 0 && dropout < 1, DROPOUT + " must be a probability in [0, 1); got " + dropout);
        check(initIds.stream().allMatch(id -> id >= 0), INIT_IDS + " must be token ids >= 0; got " + initIds);
        check(initText.isEmpty() || !initText.get().isBlank(), INIT_TEXT + " must not be blank");
        Settings.checkInitSources(init.setting(), initIds, initText, initFile, "prefix");
    }

    /** All defaults: P = 10, k = 512, no dropout, parts and positions by the model, random initialisation. */
    public static PrefixConfig defaults() {
        return fromSettings(Map.of());
    }

    /**
     * Parses settings as users type them. Unknown keys and bad values throw {@link PeftException} with
     * {@link StandardErrorCode#INVALID_ARGUMENT} naming the key and what it accepts.
     */
    public static PrefixConfig fromSettings(Map<String, String> settings) {
        Settings.checkKeys(PrefixAdapterProvider.NAME, settings, KEYS);
        OptionalInt length = Settings.optionalInt(settings, LENGTH, 1, "the number of virtual tokens P, a whole number >= 1");
        OptionalInt mlpWidth = Settings.optionalInt(settings, MLP_WIDTH, 0, "the MLP's hidden width k, a whole number >= 0 (0 = no MLP)");
        double dropout = parseDropout(settings.get(DROPOUT));
        Optional<Parts> parts = settings.containsKey(PARTS) ? Optional.of(Settings.parseEnum(settings, PARTS, Parts.class, Parts.LILIANG))
                : Optional.empty();
        Optional<Positions> positions = settings.containsKey(POSITIONS)
                ? Optional.of(Settings.parseEnum(settings, POSITIONS, Positions.class, Positions.PEFT))
                : Optional.empty();
        List<Long> ids = Settings.parseIds(INIT_IDS, settings.get(INIT_IDS));
        Optional<String> text = Optional.ofNullable(settings.get(INIT_TEXT));
        Optional<Path> file = Settings.optionalPath(settings, INIT_FILE);
        Init implied = file.isPresent() ? Init.FILE : !ids.isEmpty() || text.isPresent() ? Init.WORDS : Init.RANDOM;
        Init init = Settings.parseEnum(settings, INIT, Init.class, implied);
        return new PrefixConfig(length, mlpWidth, dropout, parts, positions, init, ids, text, file);
    }

    /** The settings {@link #fromSettings} reads back into an equal config; keys in a fixed order. */
    @Override
    public Map<String, String> toSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        length.ifPresent(p -> settings.put(LENGTH, Integer.toString(p)));
        mlpWidth.ifPresent(k -> settings.put(MLP_WIDTH, Integer.toString(k)));
        settings.put(DROPOUT, Double.toString(dropout));
        parts.ifPresent(p -> settings.put(PARTS, p.setting()));
        positions.ifPresent(p -> settings.put(POSITIONS, p.setting()));
        settings.put(INIT, init.setting());
        if (!initIds.isEmpty()) {
            settings.put(INIT_IDS, Settings.formatIds(initIds));
        }
        initText.ifPresent(text -> settings.put(INIT_TEXT, text));
        initFile.ifPresent(file -> settings.put(INIT_FILE, file.toString()));
        return settings;
    }

    /** The parts for a model: as set, else {@code liliang} for an encoder-decoder model and {@code peft} otherwise. */
    public Parts parts(boolean encoderDecoder) {
        return parts.orElse(encoderDecoder ? Parts.LILIANG : Parts.PEFT);
    }

    /**
     * The numbering for a model: as set, else from 0 for Li &amp; Liang's parts on an encoder-decoder model (their BART)
     * and from P otherwise.
     */
    public Positions positions(boolean encoderDecoder) {
        return positions.orElse(encoderDecoder && parts(true) == Parts.LILIANG ? Positions.ZERO : Positions.PEFT);
    }

    private static double parseDropout(String value) {
        if (value == null) {
            return 0;
        }
        try {
            double parsed = Double.parseDouble(value.trim());
            if (Double.isFinite(parsed) && parsed >= 0 && parsed < 1) {
                return parsed;
            }
        }
        catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(DROPOUT + " is a probability in [0, 1), e.g. 0.1; got '" + value + "'");
    }
}
