package io.github.peft4j.cli;

import com.google.inject.Injector;
import com.google.inject.Key;
import picocli.CommandLine;

/**
 * Lets picocli obtain commands from Guice. Picocli's own helper types (help mixins, converters) have no binding
 * and are created by picocli's default factory.
 */
final class GuiceFactory implements CommandLine.IFactory {
    private final Injector injector;

    GuiceFactory(Injector injector) {
        this.injector = injector;
    }

    @Override
    public <K> K create(Class<K> type) throws Exception {
        if (injector.getExistingBinding(Key.get(type)) != null) {
            return injector.getInstance(type);
        }
        return CommandLine.defaultFactory().create(type);
    }
}
