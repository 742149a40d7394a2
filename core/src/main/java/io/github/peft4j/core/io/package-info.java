/** File helpers shared by every module: atomic writes (nothing half-written ever replaces a good file). */
package io.github.peft4j.core.io;
