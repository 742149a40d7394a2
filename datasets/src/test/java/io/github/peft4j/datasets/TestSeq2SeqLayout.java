package io.github.peft4j.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.peft4j.core.training.TokenLimits;
import io.github.peft4j.core.training.TrainingExample;
import io.github.peft4j.spi.TextTokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

final class TestSeq2SeqLayout {
    private static final TextTokenizer CHARACTERS = new CharacterTokenizer();
    private static final long BOS = 0;
    private static final long EOS = 2;

    @Test
    void sourceAndTargetAreEachWrappedInBeginAndEnd() {
        TrainingExample example = Seq2SeqLayout.example(new Sample("Article.", "Sum.", "Article."), CHARACTERS, BOS, EOS);

        assertThat(example.source()).containsExactly(BOS, 'A', 'r', 't', 'i', 'c', 'l', 'e', '.', EOS);
        assertThat(example.target()).containsExactly(BOS, 'S', 'u', 'm', '.', EOS);
        assertThat(Seq2SeqLayout.encoderInput("Article.", CHARACTERS, BOS, EOS)).containsExactly(example.source());
        assertThat(Seq2SeqLayout.examples(List.of(new Sample("a", "b", "a")), CHARACTERS, BOS, EOS, new TokenLimits(1000, 3, true, 0)))
                .containsExactly(new TrainingExample(new long[] {BOS, 'a', EOS}, new long[] {BOS, 'b', EOS}));
    }
}
