/**
 * Text generation for every backend: greedy decoding and beam search driven only through the SPI's
 * {@link io.github.peft4j.spi.DecodingState}, so one implementation serves decoder-only (GPT-2) and
 * encoder-decoder (BART) models, with the adapter's prefix computed once by the backend and shared by all beams.
 * {@link io.github.peft4j.core.generation.Generator} runs it, {@link io.github.peft4j.core.generation.GenerationConfig}
 * says how (beam size, length penalty, early stopping, min/max new tokens, end-of-sequence and banned ids,
 * no-repeat n-grams, n-best), with Hugging Face transformers' meaning for each option, and each input row gets its
 * n-best {@link io.github.peft4j.core.generation.GeneratedSequence}s. The per-step selection runs in Java on the
 * log-probabilities read from the state; the few arrays created per step are closed at once.
 * {@link io.github.peft4j.core.generation.MixedAdapters} decodes batches whose rows use different adapters, each row
 * with its own prefix.
 */
package io.github.peft4j.core.generation;
