/**
 * {@code peft4j demo}: prefix-tuning shown end to end without any download. A small GPT-2 learns a synthetic
 * restaurant language written from the project's own templates, is frozen, and a prefix teaches it to turn
 * meaning representations into sentences.
 */
package io.github.peft4j.cli.demo;
