package io.github.peft4j.cli;

import com.google.inject.AbstractModule;

/** Binds every command, so that the strict injector can create them. */
final class CliModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(PeftCommand.class);
        bind(PluginsCommand.class);
        bind(VersionProvider.class);
    }
}
