package io.github.peft4j.datasets;

import io.github.peft4j.spi.TextTokenizer;
import java.util.stream.LongStream;

/** A tokenizer for tests: one token per character, whose id is the code point. */
final class CharacterTokenizer implements TextTokenizer {
    @Override
    public long[] encode(String text) {
        return text.codePoints().asLongStream().toArray();
    }

    @Override
    public String decode(long[] ids) {
        return LongStream.of(ids).collect(StringBuilder::new, (text, id) -> text.appendCodePoint((int) id), StringBuilder::append).toString();
    }
}
