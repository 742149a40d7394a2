/**
 * The BART family backend (bart-base, bart-large, bart-large-cnn/-xsum, distilbart, ...): loads a Hugging Face
 * model directory and runs {@code BartForConditionalGeneration} on DJL with Hugging Face's semantics (post-LayerNorm,
 * erf GELU, {@code layernorm_embedding} on both stacks, learned positions at an offset of 2, LM head tied to
 * {@code shared} plus {@code final_logits_bias}), an encoder run once and a decoder key/value cache for decoding,
 * and the {@link io.github.peft4j.spi.InjectionPoint#ATTENTION_PREFIX} injection point at its three sites:
 * encoder self-attention, decoder self-attention and cross-attention.
 */
package io.github.peft4j.model.bart;
