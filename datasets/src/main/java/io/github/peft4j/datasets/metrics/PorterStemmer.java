package io.github.peft4j.datasets.metrics;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The Porter stemmer as NLTK's {@code nltk.stem.porter.PorterStemmer} computes it in its default mode
 * {@code NLTK_EXTENSIONS} ({@code nltk/stem/porter.py} of NLTK 3.x; checked word by word against NLTK 3.8 on about
 * 195,000 words), the stemmer that Google's {@code rouge_score} uses with {@code use_stemmer=True}.
 *
 * <p>This is Porter's 1980 algorithm (steps 1a, 1b, 1c, 2, 3, 4, 5a, 5b) with the changes NLTK makes in that mode,
 * which the original algorithm (and Lucene's or Snowball's "porter") does not have:
 * <ul>
 *   <li>a table of irregular forms, looked up before anything else: sky/skies → sky, dying → die, lying → lie,
 *       tying → tie, news → news, innings/inning → inning, outings/outing → outing, cannings/canning → canning,
 *       howe → howe, proceed, exceed, succeed → themselves;</li>
 *   <li>words of one or two characters are returned unchanged;</li>
 *   <li>1a: a four-letter word in {@code -ies} keeps {@code ie} ({@code dies → die}, {@code ties → tie});</li>
 *   <li>1b: {@code -ied} becomes {@code ie} in a four-letter word ({@code died → die}) and {@code i} otherwise
 *       ({@code spied → spi});</li>
 *   <li>the condition *o (ends consonant-vowel-consonant) of steps 1b and 5a also holds for a two-letter word part
 *       vowel-consonant ({@code oxes → oxe});</li>
 *   <li>1c: {@code y → i} only after a consonant that is not the first letter ({@code happy → happi}, but
 *       {@code enjoy}, {@code sky} unchanged, and {@code fly → fli});</li>
 *   <li>2: {@code -alli → -al} is tried first and the result goes through step 2 again; {@code -bli → -ble} replaces
 *       {@code -abli → -able}; {@code -fulli → -ful}; {@code -logi → -log} when the stem with its {@code l} has a
 *       positive measure.</li>
 * </ul>
 * The stemmer lower-cases its input (NLTK's {@code to_lowercase=True}); the irregular-form table and the length check
 * look at the word as given, as NLTK does.
 */
public final class PorterStemmer {
    private static final Map<String, String> IRREGULAR_FORMS = Map.ofEntries(
            Map.entry("sky", "sky"), Map.entry("skies", "sky"),
            Map.entry("dying", "die"),
            Map.entry("lying", "lie"),
            Map.entry("tying", "tie"),
            Map.entry("news", "news"),
            Map.entry("innings", "inning"), Map.entry("inning", "inning"),
            Map.entry("outings", "outing"), Map.entry("outing", "outing"),
            Map.entry("cannings", "canning"), Map.entry("canning", "canning"),
            Map.entry("howe", "howe"),
            Map.entry("proceed", "proceed"),
            Map.entry("exceed", "exceed"),
            Map.entry("succeed", "succeed"));

    private PorterStemmer() {}

    /** The stem of {@code word}, lower-cased. */
    public static String stem(String word) {
        Objects.requireNonNull(word, "word");
        String stem = word.toLowerCase(Locale.ROOT);
        String irregular = IRREGULAR_FORMS.get(word);
        if (irregular != null) {
            return irregular;
        }
        if (word.length() <= 2) {
            return stem;
        }
        stem = step1a(stem);
        stem = step1b(stem);
        stem = step1c(stem);
        stem = step2(stem);
        stem = step3(stem);
        stem = step4(stem);
        stem = step5a(stem);
        return step5b(stem);
    }

    // ---------------------------------------------------------------- the word's shape

    /** A consonant is a letter other than a, e, i, o, u, and other than a y after a consonant. */
    private static boolean isConsonant(String word, int i) {
        char c = word.charAt(i);
        if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') {
            return false;
        }
        if (c == 'y') {
            return i == 0 || !isConsonant(word, i - 1);
        }
        return true;
    }

    /** Porter's m: the number of vowel-consonant sequences in {@code [C](VC){m}[V]}. */
    private static int measure(String stem) {
        int m = 0;
        boolean previousVowel = false;
        for (int i = 0; i < stem.length(); i++) {
            boolean consonant = isConsonant(stem, i);
            if (consonant && previousVowel) {
                m++;
            }
            previousVowel = !consonant;
        }
        return m;
    }

    private static boolean positiveMeasure(String stem) {
        return measure(stem) > 0;
    }

    private static boolean containsVowel(String stem) {
        for (int i = 0; i < stem.length(); i++) {
            if (!isConsonant(stem, i)) {
                return true;
            }
        }
        return false;
    }

    /** *d: the word ends with a double consonant. */
    private static boolean endsDoubleConsonant(String word) {
        int n = word.length();
        return n >= 2 && word.charAt(n - 1) == word.charAt(n - 2) && isConsonant(word, n - 1);
    }

    /** *o: ends consonant-vowel-consonant, the last not w, x or y; or (NLTK) is a two-letter vowel-consonant. */
    private static boolean endsCvc(String word) {
        int n = word.length();
        if (n >= 3 && isConsonant(word, n - 3) && !isConsonant(word, n - 2) && isConsonant(word, n - 1)) {
            char last = word.charAt(n - 1);
            if (last != 'w' && last != 'x' && last != 'y') {
                return true;
            }
        }
        return n == 2 && !isConsonant(word, 0) && isConsonant(word, 1);
    }

    // ---------------------------------------------------------------- rule lists

    /** A suffix rule: replace {@code suffix} by {@code replacement} when the remaining stem passes {@code condition}. */
    private record Rule(String suffix, String replacement, Predicate<String> condition) {}

    private static Rule rule(String suffix, String replacement, Predicate<String> condition) {
        return new Rule(suffix, replacement, condition);
    }

    /**
     * The first rule whose suffix ends the word decides: its replacement when the condition holds, else the word
     * unchanged (later rules are not tried).
     */
    private static String applyFirst(String word, Rule... rules) {
        for (Rule rule : rules) {
            if (word.endsWith(rule.suffix())) {
                String stem = word.substring(0, word.length() - rule.suffix().length());
                return rule.condition() == null || rule.condition().test(stem) ? stem + rule.replacement() : word;
            }
        }
        return word;
    }

    // ---------------------------------------------------------------- steps

    private static String step1a(String word) {
        if (word.endsWith("ies") && word.length() == 4) {
            return word.substring(0, 1) + "ie"; // dies -> die, ties -> tie
        }
        return applyFirst(word,
                rule("sses", "ss", null),
                rule("ies", "i", null),
                rule("ss", "ss", null),
                rule("s", "", null));
    }

    private static String step1b(String word) {
        if (word.endsWith("ied")) {
            return word.substring(0, word.length() - 3) + (word.length() == 4 ? "ie" : "i");
        }
        if (word.endsWith("eed")) {
            String stem = word.substring(0, word.length() - 3);
            return measure(stem) > 0 ? stem + "ee" : word;
        }
        String stem = null;
        if (word.endsWith("ed") && containsVowel(word.substring(0, word.length() - 2))) {
            stem = word.substring(0, word.length() - 2);
        } else if (word.endsWith("ing") && containsVowel(word.substring(0, word.length() - 3))) {
            stem = word.substring(0, word.length() - 3);
        }
        if (stem == null) {
            return word;
        }
        if (stem.endsWith("at") || stem.endsWith("bl") || stem.endsWith("iz")) {
            return stem + "e";
        }
        if (endsDoubleConsonant(stem)) {
            char last = stem.charAt(stem.length() - 1);
            return last == 'l' || last == 's' || last == 'z' ? stem : stem.substring(0, stem.length() - 1);
        }
        return measure(stem) == 1 && endsCvc(stem) ? stem + "e" : stem;
    }

    private static String step1c(String word) {
        return applyFirst(word,
                rule("y", "i", stem -> stem.length() > 1 && isConsonant(stem, stem.length() - 1)));
    }

    private static String step2(String word) {
        if (word.endsWith("alli") && positiveMeasure(word.substring(0, word.length() - 4))) {
            return step2(word.substring(0, word.length() - 4) + "al");
        }
        Predicate<String> m = PorterStemmer::positiveMeasure;
        return applyFirst(word,
                rule("ational", "ate", m),
                rule("tional", "tion", m),
                rule("enci", "ence", m),
                rule("anci", "ance", m),
                rule("izer", "ize", m),
                rule("bli", "ble", m),
                rule("alli", "al", m),
                rule("entli", "ent", m),
                rule("eli", "e", m),
                rule("ousli", "ous", m),
                rule("ization", "ize", m),
                rule("ation", "ate", m),
                rule("ator", "ate", m),
                rule("alism", "al", m),
                rule("iveness", "ive", m),
                rule("fulness", "ful", m),
                rule("ousness", "ous", m),
                rule("aliti", "al", m),
                rule("iviti", "ive", m),
                rule("biliti", "ble", m),
                rule("fulli", "ful", m),
                // the l of -logi stays with the stem for the measure, so that geology -> geolog
                rule("logi", "log", stem -> positiveMeasure(word.substring(0, word.length() - 3))));
    }

    private static String step3(String word) {
        Predicate<String> m = PorterStemmer::positiveMeasure;
        return applyFirst(word,
                rule("icate", "ic", m),
                rule("ative", "", m),
                rule("alize", "al", m),
                rule("iciti", "ic", m),
                rule("ical", "ic", m),
                rule("ful", "", m),
                rule("ness", "", m));
    }

    private static String step4(String word) {
        Predicate<String> m = stem -> measure(stem) > 1;
        return applyFirst(word,
                rule("al", "", m),
                rule("ance", "", m),
                rule("ence", "", m),
                rule("er", "", m),
                rule("ic", "", m),
                rule("able", "", m),
                rule("ible", "", m),
                rule("ant", "", m),
                rule("ement", "", m),
                rule("ment", "", m),
                rule("ent", "", m),
                rule("ion", "", stem -> measure(stem) > 1 && (stem.endsWith("s") || stem.endsWith("t"))),
                rule("ou", "", m),
                rule("ism", "", m),
                rule("ate", "", m),
                rule("iti", "", m),
                rule("ous", "", m),
                rule("ive", "", m),
                rule("ize", "", m));
    }

    private static String step5a(String word) {
        if (word.endsWith("e")) {
            String stem = word.substring(0, word.length() - 1);
            int m = measure(stem);
            if (m > 1 || (m == 1 && !endsCvc(stem))) {
                return stem;
            }
        }
        return word;
    }

    private static String step5b(String word) {
        // (m > 1 and *d and *L) -> single letter; NLTK measures the word without its last letter
        if (word.endsWith("ll") && measure(word.substring(0, word.length() - 1)) > 1) {
            return word.substring(0, word.length() - 1);
        }
        return word;
    }
}
