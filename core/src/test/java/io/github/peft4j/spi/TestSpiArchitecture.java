package io.github.peft4j.spi;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

/** The SPI is what plugins compile against: it must stay free of any wiring framework. */
final class TestSpiArchitecture {
    private static final JavaClasses SPI = new ClassFileImporter()
            // Not ImportOption.DO_NOT_INCLUDE_TESTS: it recognises only target/test-classes, not -Dpeft4j.build.dir builds.
            .withImportOption(location -> !location.contains("/test-classes/"))
            .importPackages("io.github.peft4j.spi");

    @Test
    void spiNeverTouchesGuice() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("com.google.inject..", "javax.inject..", "jakarta.inject..")
                .check(SPI);
    }

    @Test
    void spiDependsOnTheJdkAndDjlApiOnly() {
        classes().should().onlyDependOnClassesThat().resideInAnyPackage("java..", "ai.djl..", "io.github.peft4j.spi..")
                .check(SPI);
    }
}
