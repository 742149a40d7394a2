package io.github.peft4j.cli;

import com.google.inject.AbstractModule;
import io.github.peft4j.cli.demo.DemoCommand;

/** Binds every command, so that the strict injector can create them. */
final class CliModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(PeftCommand.class);
        bind(PluginsCommand.class);
        bind(InitModelCommand.class);
        bind(TokenizeCommand.class);
        bind(ForwardCommand.class);
        bind(GenerateCommand.class);
        bind(TrainCommand.class);
        bind(ExportCommand.class);
        bind(PredictCommand.class);
        bind(EvaluateCommand.class);
        bind(DemoCommand.class);
        bind(AblateCommand.class);
        bind(AdapterOptions.class);
        bind(BenchCommand.class);
        bind(BenchLoadCommand.class);
        bind(BenchTrainCommand.class);
        bind(BenchGenerateCommand.class);
        bind(ModelLoader.class);
        bind(VersionProvider.class);
    }
}
