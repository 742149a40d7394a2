package io.github.peft4j.testing;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A PyTorch {@link NDManager} for one test class, opened before its first test and closed after its last:
 * {@code @RegisterExtension static final EngineManager ARRAYS = new EngineManager();}.
 */
public final class EngineManager implements BeforeAllCallback, AfterAllCallback {
    private NDManager manager;

    @Override
    public void beforeAll(ExtensionContext context) {
        manager = Engine.getEngine("PyTorch").newBaseManager();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        manager.close();
    }

    public NDManager manager() {
        return manager;
    }
}
