package io.github.peft4j.datasets.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The tokenisation in front of the E2E scorer's ROUGE-L and CIDEr: {@link PtbTokenizer} (Stanford CoreNLP 3.4.1's
 * PTBTokenizer) and {@link CocoTokenizer} (pycocoevalcap's wrapper). Every expected tokenisation here is what
 * {@code java -cp stanford-corenlp-3.4.1.jar edu.stanford.nlp.process.PTBTokenizer -preserveLines} printed for the
 * input on its own (tokens separated by a space here; U+00A0 marks the no-break spaces the lexer keeps inside tokens).
 */
final class TestE2eScorerRougeCiderTokenizer {

    static Stream<Arguments> coreNlpTokenizations() {
        return Stream.of(
                Arguments.of("Blue Spice is a coffee shop in the city centre.",
                        "Blue Spice is a coffee shop in the city centre ."),
                Arguments.of("The Cricketers is a restaurant in the city center., close to All Bar One.",
                        "The Cricketers is a restaurant in the city center. , close to All Bar One ."),
                Arguments.of("It's family-friendly, isn't it? They're \"great\" (really).",
                        "It 's family-friendly , is n't it ? They 're `` great '' -LRB- really -RRB- ."),
                Arguments.of("Prices range from £20-25; it has a 5-star rating.",
                        "Prices range from # 20-25 ; it has a 5-star rating ."),
                Arguments.of("Between £20 - £25 or 20£-25, even €30 or $40.",
                        "Between # 20 - # 25 or 20 # -25 , even $ 30 or $ 40 ."),
                Arguments.of("I cannot go; gonna try 'twas y'all O'Neil d'oeuvre.",
                        "I can not go ; gon na try 't was y' all O'Neil d'oeuvre ."),
                Arguments.of("Mr. Smith and Dr. Who met at St. Mary's Rd. on Jan. 5 at 3:30 p.m. etc.",
                        "Mr. Smith and Dr. Who met at St. Mary 's Rd. on Jan. 5 at 3:30 p.m. etc. ."),
                Arguments.of("The U.S. economy grew. Smith et al. They left.",
                        "The U.S. economy grew . Smith et al. . They left ."),
                Arguments.of("Call (555) 123-4567 or 555-1234, it's 5 1/2 miles, ½ hour.",
                        "Call -LRB-555-RRB-\u00A0123-4567 or 555-1234 , it 's 5\u00A01/2 miles , 1/2 hour ."),
                Arguments.of("Wait... really -- yes --- no . . . ok – fine — done",
                        "Wait ... really -- yes -- no ... ok -- fine -- done"),
                Arguments.of("Visit www.example.com or http://x.org/a?b=c, mail a.b@c.com #tag @user :)",
                        "Visit www.example.com or http://x.org/a?b=c , mail a.b@c.com #tag @user : -RRB-"),
                Arguments.of("Café Rouge, crème brûlée; AT&T and S&P-500, and/or 24/7.",
                        "Café Rouge , crème brûlée ; AT&T and S&P-500 , and/or 24/7 ."),
                Arguments.of("center.Blue is odd, 5.The end, e.g. this and i.e. that.",
                        "center.Blue is odd , 5 . The end , e.g. this and i.e. that ."));
    }

    @ParameterizedTest
    @MethodSource("coreNlpTokenizations")
    void tokenizesAsCoreNlp341(String input, String expected) {
        assertThat(String.join(" ", PtbTokenizer.tokenize(input))).isEqualTo(expected);
    }

    @Test
    void lineBreaksBecomeTokensAndLinesStayAligned() {
        assertThat(PtbTokenizer.tokenize("a pub\nthe\r\nend")).containsExactly("a", "pub", PtbTokenizer.NEWLINE, "the",
                PtbTokenizer.NEWLINE, "end");
        assertThat(PtbTokenizer.tokenizeLines("one\n\n...\ntwo")).containsExactly(List.of("one"), List.of(),
                List.of("..."), List.of("two"));
        assertThat(PtbTokenizer.tokenizeLines("")).containsExactly(List.of());
    }

    @Test
    void splitsCannotAndGonnaInAnyCaseButNotInsideLongerWords() {
        // CoreNLP 3.4.1 on these two lines: "Can not GON NA wan na" / "Cannotx gonnaz Got ta"
        assertThat(PtbTokenizer.tokenizeLines("Cannot\tGONNA wanna\nCannotx gonnaz Gotta")).containsExactly(
                List.of("Can", "not", "GON", "NA", "wan", "na"), List.of("Cannotx", "gonnaz", "Got", "ta"));
    }

    @Test
    void deletesUntokenizableCharacters() {
        // control characters and lone symbols the lexer has no rule for are dropped (its "firstDelete" default)
        assertThat(PtbTokenizer.tokenize("a\u0001b \uD83D\uDE00 c")).containsExactly("a", "b", "c");
    }

    @Test
    void cocoWrapperLowerCasesAndDropsPunctuation() {
        // the wrapper compares lower-cased tokens with "-LRB-" etc., so parentheses survive as -lrb- -rrb-
        assertThat(CocoTokenizer.tokenize(List.of(
                "It's family-friendly, isn't it? They're \"great\" (really).",
                "Between £20 - £25 or 20£-25, even €30 or $40.",
                "Wait... really -- yes --- no . . . ok – fine — done",
                "",
                "?!")))
                .containsExactly(
                        "it 's family-friendly is n't it they 're great -lrb- really -rrb-",
                        "between # 20 # 25 or 20 # -25 even $ 30 or $ 40",
                        "wait really yes no ok fine done",
                        "",
                        "?!"); // one token "?!", which is not in the list (only "?" and "!" are)
        assertThat(CocoTokenizer.tokenize(List.of())).isEmpty();
        assertThat(CocoTokenizer.tokenize("Blue Spice is a coffee shop.")).isEqualTo("blue spice is a coffee shop");
    }

    @Test
    void captionsAreTokenizedAsOneTextOfLines() {
        // the lexer looks past the end of a line: "B." before "The" (a sentence start) is the letter and a period,
        // before "the" it is an abbreviation that keeps its period (CoreNLP 3.4.1 with these four lines as one file)
        assertThat(CocoTokenizer.tokenize(List.of("It is Plan B.", "The pub.", "It is Plan B.", "the pub.")))
                .containsExactly("it is plan b", "the pub", "it is plan b.", "the pub");
        // a newline inside a caption is a space, as the wrapper replaces it; other line breaks too (a deviation: the
        // original would start a new line there and misalign the captions after it)
        assertThat(CocoTokenizer.tokenize(List.of("a\npub", "the\rend", "x"))).containsExactly("a pub", "the end", "x");
    }

    @Test
    void referencesKeepTheirGrouping() {
        assertThat(CocoTokenizer.tokenizeReferences(List.of(List.of("A pub.", "The pub!"), List.of("Cheap."))))
                .containsExactly(List.of("a pub", "the pub"), List.of("cheap"));
    }
}
