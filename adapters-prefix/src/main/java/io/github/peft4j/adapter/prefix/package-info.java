/**
 * The {@code prefix} adapter plugin: prefix-tuning (Li &amp; Liang, ACL 2021) on any backend that offers
 * {@link io.github.peft4j.spi.InjectionPoint#ATTENTION_PREFIX}.
 *
 * <p>{@link io.github.peft4j.adapter.prefix.PrefixAdapterProvider} (registered for {@link java.util.ServiceLoader})
 * parses {@link io.github.peft4j.adapter.prefix.PrefixConfig} and creates a
 * {@link io.github.peft4j.adapter.prefix.PrefixAdapter}: per attention site, a prefix of P virtual tokens whose keys
 * and values at every layer are trained, directly or through the MLP {@code Embedding(P, d) -> Linear(d, k) -> tanh
 * -> Linear(k, L*2*d)}. Parameter names and layouts are Hugging Face PEFT's {@code PrefixEncoder}'s, so saved
 * tensors load directly; export writes a PEFT prefix-tuning directory with the MLP applied.
 */
package io.github.peft4j.adapter.prefix;
