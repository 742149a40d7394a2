/**
 * The {@code infix} adapter plugin: infix-tuning {@code [x; INFIX; y]}, the ablation of prefix-tuning (Li &amp;
 * Liang, ACL 2021, Section 7.2) that places the trainable activations between source and target, on any decoder-only
 * backend that offers {@link io.github.peft4j.spi.InjectionPoint#ATTENTION_INFIX}.
 *
 * <p>{@link io.github.peft4j.adapter.infix.InfixAdapterProvider} (registered for {@link java.util.ServiceLoader})
 * parses {@link io.github.peft4j.adapter.infix.InfixConfig} and creates an
 * {@link io.github.peft4j.adapter.infix.InfixAdapter}: keys and values of I virtual tokens at every layer, trained
 * directly or through the MLP {@code Embedding(I, d) -> Linear(d, k) -> tanh -> Linear(k, L*2*d)}, seen only by the
 * tokens after the infix. Export writes a directory with {@code peft4j_method: "infix"} (PEFT has no infix-tuning),
 * which loads back.
 */
package io.github.peft4j.adapter.infix;
