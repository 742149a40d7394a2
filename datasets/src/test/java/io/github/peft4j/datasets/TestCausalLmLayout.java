package io.github.peft4j.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.core.tokenizer.Gpt2StyleVocabulary;
import io.github.peft4j.core.tokenizer.HfTextTokenizer;
import io.github.peft4j.core.tokenizer.HfTokenizers;
import io.github.peft4j.core.tokenizer.TokenizerFiles;
import io.github.peft4j.core.training.CausalLmText;
import io.github.peft4j.core.training.TokenLimits;
import io.github.peft4j.core.training.TrainingExample;
import io.github.peft4j.spi.TextTokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestCausalLmLayout {
    private static final TextTokenizer CHARACTERS = new CharacterTokenizer();
    private static final long EOS = 50256;

    @TempDir
    Path temp;

    @Test
    void sourceWithSeparatorIsUnscoredAndTargetWithEndOfTextIsScored() {
        TrainingExample example = CausalLmLayout.example(new Sample("name : A", "A.", "name : A"), CHARACTERS, EOS);

        assertThat(example.source()).containsExactly(append(CHARACTERS.encode(" name : A "), EOS));
        assertThat(example.target()).containsExactly(append(CHARACTERS.encode(" A. "), EOS));
        assertThat(CausalLmText.prompt("name : A", CHARACTERS, EOS)).containsExactly(example.source());
        assertThat(CausalLmLayout.examples(List.of(new Sample("s", "t", "s"), new Sample("u", "v", "u")), CHARACTERS, EOS,
                new TokenLimits(50257, 8, false, 0))).extracting(TrainingExample::length).containsExactly(8, 8);
    }

    @Test
    void idsEqualTheGpt2TokenisationOfThePapersWholeString() {
        TokenizerFiles.writeByteLevelBpe(temp, Gpt2StyleVocabulary.vocab(), Gpt2StyleVocabulary.MERGES);
        long endOfText = Gpt2StyleVocabulary.id(Gpt2StyleVocabulary.END_OF_TEXT);
        List<Sample> samples = List.of(
                new Sample("name : Hello | Type : pub", "Hello world is a pub .  ", "e2e, trailing spaces as in src1"),
                new Sample(" | Hello : world : Hello_world", "Hello world.", "webnlg, leading separator"),
                new Sample("Hello : world : x | y : z : Hello", "Hello\nworld", "dart"));
        try (HfTextTokenizer tokenizer = HfTokenizers.fromModelDirectory(temp).orElseThrow()) {
            for (Sample sample : samples) {
                TrainingExample example = CausalLmLayout.example(sample, tokenizer, endOfText);
                long[] whole = tokenizer.encode(" " + sample.source() + " <|endoftext|> " + sample.target() + " <|endoftext|>");

                assertThat(concat(example.source(), example.target())).as(sample.group()).containsExactly(whole);
                assertThat(CausalLmText.prompt(sample.source(), tokenizer, endOfText)).as(sample.group())
                        .containsExactly(tokenizer.encode(" " + sample.source() + " <|endoftext|>"));
            }
        }
    }

    private static long[] append(long[] ids, long id) {
        return concat(ids, new long[] {id});
    }

    private static long[] concat(long[] first, long[] second) {
        return LongStream.concat(LongStream.of(first), LongStream.of(second)).toArray();
    }
}
