package com.example.peft.tiedprefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.peft4j.spi.AdapterContext;
import io.github.peft4j.spi.AdapterProvider;
import io.github.peft4j.spi.InjectionPoint;
import io.github.peft4j.spi.ModelGeometry;
import io.github.peft4j.spi.ParameterEfficientAdapter;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/** The {@code tied-prefix} method: found by ServiceLoader through META-INF/services, wired by peft4j's Guice module. */
public final class TiedPrefixProvider implements AdapterProvider<TiedPrefixConfig> {
    public static final String NAME = "tied-prefix";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Example plugin: one prefix shared by every layer (docs/plugin-guide.md)";
    }

    @Override
    public TiedPrefixConfig parseConfig(Map<String, String> settings) {
        return TiedPrefixConfig.parse(settings);
    }

    @Override
    public ParameterEfficientAdapter create(TiedPrefixConfig config, AdapterContext context) {
        if (!context.backend().injectionPoints().contains(InjectionPoint.ATTENTION_PREFIX)) {
            throw new PeftException(StandardErrorCode.UNSUPPORTED_INJECTION_POINT, NAME + " needs ATTENTION_PREFIX, which the "
                    + context.backend().family() + " backend does not offer");
        }
        ModelGeometry geometry = context.backend().geometry();
        Shape shape = new Shape(1, geometry.heads(), config.length(), geometry.headDim());
        Random random = new Random(context.seed());
        NDManager manager = context.manager().newSubManager();
        return new TiedPrefixAdapter(config, manager, normal(manager, shape, random), normal(manager, shape, random));
    }

    @Override
    public ParameterEfficientAdapter load(Path directory, AdapterContext context) {
        Path file = directory.resolve(TiedPrefixAdapter.WEIGHTS_FILE);
        NDManager manager = context.manager().newSubManager();
        try {
            NDList weights = NDList.decode(manager, Files.readAllBytes(file));
            NDArray keys = weights.get(TiedPrefixAdapter.KEYS);
            NDArray values = weights.get(TiedPrefixAdapter.VALUES);
            if (keys == null || values == null) {
                throw new PeftException(StandardErrorCode.MISSING_TENSOR, file + " lacks " + TiedPrefixAdapter.KEYS + " or " + TiedPrefixAdapter.VALUES);
            }
            ModelGeometry geometry = context.backend().geometry();
            if (keys.getShape().get(1) != geometry.heads() || keys.getShape().get(3) != geometry.headDim()) {
                throw new PeftException(StandardErrorCode.SHAPE_MISMATCH, directory + " holds a tied prefix of shape " + keys.getShape()
                        + ", made for another model");
            }
            return new TiedPrefixAdapter(new TiedPrefixConfig(Math.toIntExact(keys.getShape().get(2))), manager, keys, values);
        }
        catch (IOException e) {
            manager.close();
            throw new PeftException(StandardErrorCode.FILE_NOT_FOUND, "Cannot read the tied prefix " + file + ": " + e, e);
        }
        catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static NDArray normal(NDManager manager, Shape shape, Random random) {
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return manager.create(values, shape);
    }
}
