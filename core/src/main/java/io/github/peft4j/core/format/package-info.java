/**
 * Interchange formats of trained prefixes: Hugging Face PEFT's prefix-tuning directory
 * ({@code adapter_config.json} + {@code adapter_model.safetensors} with {@code prompt_embeddings [P, L*2*d]})
 * and the per-layer layout {@code prefix.layers.{i}.key|value} of {@code [1, heads, P, head_dim]}.
 */
package io.github.peft4j.core.format;
