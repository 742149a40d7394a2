/**
 * Tokenizers of Hugging Face model directories of the GPT-2 and BART/RoBERTa families, on Hugging Face's
 * {@code tokenizers} library through DJL ({@code ai.djl.huggingface:tokenizers}), as
 * {@link io.github.peft4j.spi.TextTokenizer}s.
 *
 * <p>{@link io.github.peft4j.core.tokenizer.HfTokenizers#fromModelDirectory} reads {@code tokenizer.json}, or
 * builds the equivalent byte-level BPE tokenizer from {@code vocab.json} + {@code merges.txt};
 * {@link io.github.peft4j.core.tokenizer.TokenizerFiles#writeByteLevelBpe} writes the latter pair. The ids are
 * exactly the model's: no special tokens are added, nothing is truncated or padded. The tokenizers hold native
 * memory and are {@link java.lang.AutoCloseable}.
 */
package io.github.peft4j.core.tokenizer;
