package io.github.peft4j.datasets.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Expected token lists derived by reading the Perl substitutions of mteval-v13a.pl's {@code tokenization} (and
 * cross-checked against sacreBLEU 2.6.0's {@code Tokenizer13a} and a Perl 5.36 run of the same substitutions).
 */
class TestMteval13aTokenizer {

    private static void assertBoth(String text, List<String> mtevalLowercased, List<String> sacreBleu) {
        assertEquals(mtevalLowercased, Mteval13aTokenizer.mtevalTokens(text, false), "mteval: " + text);
        assertEquals(sacreBleu, Mteval13aTokenizer.sacreBleuTokens(text), "sacreBLEU: " + text);
    }

    @Test
    void commaAndPeriodAfterWordsAreSplitAndMtevalLowercases() {
        assertBoth("Hello, World.", List.of("hello", ",", "world", "."), List.of("Hello", ",", "World", "."));
        assertEquals(List.of("Hello", ",", "World", "."), Mteval13aTokenizer.mtevalTokens("Hello, World.", true));
    }

    @Test
    void periodAndCommaBetweenDigitsStayInsideNumbers() {
        assertBoth("3.5 stars and 1,000 guests", List.of("3.5", "stars", "and", "1,000", "guests"),
                List.of("3.5", "stars", "and", "1,000", "guests"));
        assertBoth("1.2.3,4 a,1 1,a", List.of("1.2.3,4", "a", ",", "1", "1", ",", "a"),
                List.of("1.2.3,4", "a", ",", "1", "1", ",", "a"));
    }

    @Test
    void periodNextToANonDigitOnEitherSideIsSplit() {
        // ".5": the period follows the padding space (not a digit), so rule 2 splits it off, before "5" too
        // "5.": the period precedes the padding space, so rule 3 splits it off
        assertBoth(".5 and 5. and a.b and e.g.",
                List.of(".", "5", "and", "5", ".", "and", "a", ".", "b", "and", "e", ".", "g", "."),
                List.of(".", "5", "and", "5", ".", "and", "a", ".", "b", "and", "e", ".", "g", "."));
        assertBoth("Mr.Smith U.S.A.", List.of("mr", ".", "smith", "u", ".", "s", ".", "a", "."),
                List.of("Mr", ".", "Smith", "U", ".", "S", ".", "A", "."));
    }

    @Test
    void dashIsSplitOnlyAfterADigit() {
        assertBoth("x-y and 5-y and 10-", List.of("x-y", "and", "5", "-", "y", "and", "10", "-"),
                List.of("x-y", "and", "5", "-", "y", "and", "10", "-"));
        // '£' is not in the punctuation class: it stays on the number; the final period follows a digit but
        // precedes the padding space, so it is split
        assertBoth("It costs £20-25.", List.of("it", "costs", "£20", "-", "25", "."),
                List.of("It", "costs", "£20", "-", "25", "."));
    }

    @Test
    void apostrophesStayInsideWords() {
        assertBoth("don't it's", List.of("don't", "it's"), List.of("don't", "it's"));
    }

    @Test
    void everyCharacterOfThePunctuationClassStandsAlone() {
        List<String> expected = List.of("{", "a", "}", "[", "b", "]", "^", "_", "`", "~", "|", "@", "#", "$", "%",
                "*", "+", "=", "/", "\\", "!", "?", ";", ":", "(", ")", "<", ">", "&", "\"");
        assertBoth("{a}[b]^_`~|@#$%*+=/\\!?;:()<>&\"", expected, expected);
    }

    @Test
    void entitiesAreDecodedInOrderBeforeSplitting() {
        // &amp;lt; -> &lt; (by the &amp; rule) -> < (by the &lt; rule, which comes after)
        assertBoth("&quot;Hi&quot; &amp; &lt;b&gt; &amp;lt;",
                List.of("\"", "hi", "\"", "&", "<", "b", ">", "<"), List.of("\"", "Hi", "\"", "&", "<", "b", ">", "<"));
    }

    @Test
    void skippedTagsHyphenationAndNewlines() {
        assertBoth("<skipped>foo-\nbar\nbaz", List.of("foobar", "baz"), List.of("foobar", "baz"));
    }

    @Test
    void nonAsciiStaysInsideWordsAndMtevalLowercasesAsciiOnly() {
        // tr/[A-Z]/[a-z]/ leaves É alone; U+2014 and U+2026 are not in the punctuation class
        assertBoth("CAFÉ Été — naïve…", List.of("cafÉ", "Été", "—", "naïve…"), List.of("CAFÉ", "Été", "—", "naïve…"));
    }

    @Test
    void whitespaceFollowsPerlForMtevalAndPythonForSacreBleu() {
        // U+00A0 is whitespace to both; U+001F is whitespace to Python's str.split() only
        assertBoth("a\u00A0b\u001Fc\td", List.of("a", "b\u001Fc", "d"), List.of("a", "b", "c", "d"));
        assertEquals("a b\u001Fc d", Mteval13aTokenizer.mteval("  a\u00A0b\u001Fc\td \u3000", true));
    }

    @Test
    void emptyAndBlankTextHaveNoTokens() {
        assertBoth("", List.of(), List.of());
        assertBoth(" \t\n ", List.of(), List.of());
        assertEquals("", Mteval13aTokenizer.mteval("", false));
        assertEquals("", Mteval13aTokenizer.sacreBleu("   "));
    }
}
