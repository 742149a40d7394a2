/**
 * Whether work fits in memory, decided before any of it is allocated: {@link io.github.peft4j.core.memory.MemoryLimits}
 * holds this JVM's heap, the machine's memory and the largest Java array, the saturated arithmetic that sizes are
 * computed with, and the {@link io.github.peft4j.spi.StandardErrorCode#OUT_OF_MEMORY} refusals that say how much
 * was asked, how much there is and what to lower. {@link io.github.peft4j.core.memory.AllocationFailure} recognises memory that
 * ran out anyway while work ran, so that every front end reports it as that user error too.
 */
package io.github.peft4j.core.memory;
