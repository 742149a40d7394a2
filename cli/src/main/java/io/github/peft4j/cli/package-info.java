/**
 * The {@code peft4j} command line: picocli commands created by Guice, so that each command receives the
 * plugins it needs by injection. User errors exit 2 and print {@code ERROR_NAME: message}; internal errors exit 1.
 */
package io.github.peft4j.cli;
