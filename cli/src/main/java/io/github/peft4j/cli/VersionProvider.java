package io.github.peft4j.cli;

import com.google.inject.Inject;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code peft4j --version}: our version, the pinned DJL/PyTorch versions, and the running JVM. */
final class VersionProvider implements IVersionProvider {
    @Inject
    VersionProvider() {}

    @Override
    public String[] getVersion() {
        Properties versions = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new PeftException(StandardErrorCode.INTERNAL_ERROR, "version.properties is missing from the peft4j-cli jar");
            }
            versions.load(in);
        }
        catch (IOException e) {
            throw new PeftException(StandardErrorCode.INTERNAL_ERROR, "cannot read version.properties: " + e.getMessage(), e);
        }
        return new String[] {
                "peft4j " + versions.getProperty("peft4j.version"),
                "DJL " + versions.getProperty("djl.version") + ", PyTorch " + versions.getProperty("pytorch.version"),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
    }
}
