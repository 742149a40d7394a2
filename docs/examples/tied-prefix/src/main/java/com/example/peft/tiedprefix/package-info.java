/**
 * An example peft4j adapter plugin: a prefix whose keys and values are shared by every layer (a tied prefix,
 * L times fewer parameters than prefix-tuning). Built only against {@code io.github.peft4j.spi}.
 */
package com.example.peft.tiedprefix;
