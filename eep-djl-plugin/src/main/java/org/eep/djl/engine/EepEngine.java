package org.eep.djl.engine;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;

/**
 * The DJL engine {@value #ENGINE_NAME}: serves mixture-of-experts checkpoints with elastic expert
 * parallelism. Models it creates are {@link EepModel}s; their tensors, and those of every rank of
 * the EP instance, live in NDManagers of the PyTorch engine, to which this engine delegates
 * everything that concerns devices and arrays ({@link #getAlternativeEngine()} is PyTorch too).
 *
 * <p>DJL creates the single instance through {@link EepEngineProvider}; applications reach it with
 * {@code Engine.getEngine("EEP")} or, usually, not at all: {@code Criteria.optEngine("EEP")} or
 * {@code engine=EEP} in {@code serving.properties} is enough. Its rank is above PyTorch's, so it is
 * never DJL's default engine. Stateless apart from the PyTorch engine it looks up; thread-safe.
 */
public final class EepEngine extends Engine {
  /** The name DJL knows this engine by. */
  public static final String ENGINE_NAME = "EEP";

  /** The engine that holds the tensors. */
  public static final String TENSOR_ENGINE = "PyTorch";

  /**
   * DJL picks the registered engine with the lowest rank as its default; EEP never wants to be it.
   */
  static final int RANK = 10;

  EepEngine() {}

  /**
   * The PyTorch engine, which must be on the class path (pytorch-engine and its native library).
   */
  Engine tensorEngine() {
    if (!Engine.hasEngine(TENSOR_ENGINE)) {
      throw new EngineException(
          "The EEP engine needs the PyTorch engine (ai.djl.pytorch:pytorch-engine) on the class path; "
              + "DJL knows only "
              + Engine.getAllEngines());
    }
    return Engine.getEngine(TENSOR_ENGINE);
  }

  @Override
  public Engine getAlternativeEngine() {
    return tensorEngine();
  }

  @Override
  public String getEngineName() {
    return ENGINE_NAME;
  }

  @Override
  public int getRank() {
    return RANK;
  }

  @Override
  public String getVersion() {
    String v = EepEngine.class.getPackage().getImplementationVersion();
    return v != null ? v : "development";
  }

  @Override
  public boolean hasCapability(String capability) {
    return tensorEngine().hasCapability(capability);
  }

  @Override
  public Device defaultDevice() {
    return tensorEngine().defaultDevice();
  }

  @Override
  public Device[] getDevices() {
    return tensorEngine().getDevices();
  }

  @Override
  public Device[] getDevices(int maxGpus) {
    return tensorEngine().getDevices(maxGpus);
  }

  @Override
  public int getGpuCount() {
    return tensorEngine().getGpuCount();
  }

  @Override
  public Model newModel(String name, Device device) {
    return new EepModel(name, device, this, System.getenv());
  }

  @Override
  public NDManager newBaseManager() {
    return tensorEngine().newBaseManager();
  }

  @Override
  public NDManager newBaseManager(Device device) {
    return tensorEngine().newBaseManager(device);
  }

  @Override
  public void setRandomSeed(int seed) {
    super.setRandomSeed(seed);
    tensorEngine().setRandomSeed(seed);
  }
}
