package io.github.peft4j.cli;

/** How a prefix numbers the real tokens after it. */
enum PositionMode {
    /** From P, as Hugging Face PEFT and Li &amp; Liang's GPT-2 code do. */
    PEFT,
    /** From 0, as Li &amp; Liang's BART code and AdapterHub do. */
    ZERO
}
