package io.github.peft4j.datasets.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** evaluation.py's {@code ' '.join(' '.join(re.split('(\W)', text)).split()).lower()}. */
final class TestNonWordTokenizer {
    @Test
    void everyNonWordCharacterIsATokenAndWhitespaceCollapses() {
        assertThat(NonWordTokenizer.tokenize("Jeff Daniels played in the Hawaii Five-O episode.")).isEqualTo("jeff daniels played in the hawaii five - o episode .");
        assertThat(NonWordTokenizer.tokenize("1:02:38,,x")).isEqualTo("1 : 02 : 38 , , x");
        assertThat(NonWordTokenizer.tokenize("  snake_case\t\u00a0 end  ")).isEqualTo("snake_case end");
        assertThat(NonWordTokenizer.tokenize("")).isEmpty();
    }

    /** Python's \w counts letters of any script and any number (², ½), not combining marks or symbols. */
    @Test
    void wordCharactersAreUnicodeLettersAndNumbers() {
        assertThat(NonWordTokenizer.tokenize("Zürich²½ São")).isEqualTo("zürich²½ são");
        assertThat(NonWordTokenizer.tokenize("e\u0301t€")).isEqualTo("e \u0301 t €");
        assertThat(NonWordTokenizer.tokenize("東京タワー")).isEqualTo("東京タワー");
    }
}
