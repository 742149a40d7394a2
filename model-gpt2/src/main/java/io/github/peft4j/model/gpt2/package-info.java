/**
 * The GPT-2 family backend (gpt2, gpt2-medium/large/xl, distilgpt2, DialoGPT, ...): loads a Hugging Face model
 * directory and runs it on DJL with Hugging Face's semantics ({@code gelu_new}, pre-LayerNorm, Conv1D weights
 * stored {@code [in, out]}, LM head tied to {@code wte}), a key/value cache for decoding, and the
 * {@link io.github.peft4j.spi.InjectionPoint#ATTENTION_PREFIX} and
 * {@link io.github.peft4j.spi.InjectionPoint#INPUT_EMBEDDINGS} injection points.
 */
package io.github.peft4j.model.gpt2;
