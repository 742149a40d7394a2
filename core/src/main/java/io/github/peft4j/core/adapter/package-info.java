/**
 * Helpers that adapter plugins share: parsing the settings users type ({@link io.github.peft4j.core.adapter.Settings}),
 * with the same keys, messages and error codes in every method. Plugins may not depend on each other, so what they
 * have in common lives here, in peft4j-core.
 */
package io.github.peft4j.core.adapter;
