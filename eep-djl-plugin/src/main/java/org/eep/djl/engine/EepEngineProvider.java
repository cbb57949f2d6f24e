package org.eep.djl.engine;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineProvider;

/**
 * Registers the {@value EepEngine#ENGINE_NAME} engine with DJL. DJL finds this class with {@link
 * java.util.ServiceLoader} ({@code META-INF/services/ai.djl.engine.EngineProvider}) when {@link
 * Engine} is first used, exactly as it finds {@code PyTorch}; {@code Engine.getEngine("EEP")} then
 * calls {@link #getEngine()}.
 *
 * <p>The constructor does no work and {@link #getEngine()} creates the engine on first use, so a
 * class path that holds this jar but never asks for {@code EEP} pays nothing. Thread-safe.
 */
public final class EepEngineProvider implements EngineProvider {
  private volatile EepEngine engine;

  /** Called by {@link java.util.ServiceLoader}. */
  public EepEngineProvider() {}

  @Override
  public String getEngineName() {
    return EepEngine.ENGINE_NAME;
  }

  @Override
  public int getEngineRank() {
    return EepEngine.RANK;
  }

  @Override
  public Engine getEngine() {
    EepEngine e = engine;
    if (e == null) {
      synchronized (this) {
        e = engine;
        if (e == null) {
          e = new EepEngine();
          engine = e;
        }
      }
    }
    return e;
  }
}
