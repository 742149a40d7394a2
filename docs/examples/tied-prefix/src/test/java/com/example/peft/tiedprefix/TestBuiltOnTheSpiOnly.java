package com.example.peft.tiedprefix;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

/** The plugin compiles against peft4j's SPI (and DJL's API) only: nothing of core's internals or the CLI. */
final class TestBuiltOnTheSpiOnly {
    @Test
    void dependsOnTheSpiOnly() {
        classes().should().onlyDependOnClassesThat().resideInAnyPackage("java..", "ai.djl..", "io.github.peft4j.spi..", "com.example.peft.tiedprefix..")
                .check(new ClassFileImporter().withImportOption(location -> !location.contains("/test-classes/")).importPackages("com.example.peft.tiedprefix"));
    }
}
