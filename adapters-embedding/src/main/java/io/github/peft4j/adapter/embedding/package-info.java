/**
 * The {@code embedding} adapter plugin: embedding-only tuning, the input-layer ablation of prefix-tuning (Li &amp;
 * Liang, ACL 2021, Section 7.2), on any backend that offers {@link io.github.peft4j.spi.InjectionPoint#INPUT_EMBEDDINGS}.
 *
 * <p>{@link io.github.peft4j.adapter.embedding.EmbeddingAdapterProvider} (registered for
 * {@link java.util.ServiceLoader}) parses {@link io.github.peft4j.adapter.embedding.EmbeddingConfig} and creates an
 * {@link io.github.peft4j.adapter.embedding.EmbeddingAdapter}: P virtual-token embeddings placed before the real
 * tokens, trained directly or through the MLP {@code Embedding(P, d) -> Linear(d, k) -> tanh -> Linear(k, d)}.
 * Export writes a Hugging Face PEFT prompt-tuning directory ({@code PROMPT_TUNING}, {@code prompt_embeddings [P, d]}),
 * which loads back.
 */
package io.github.peft4j.adapter.embedding;
