package org.eep.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * One request's key/value cache: per layer, [maxPositions, kvHeads, headDim] tensors written by
 * position, so re-running a step overwrites the same entries with the same values. Owned by one
 * rank thread; closed when the request leaves the rank.
 */
public final class KvCache implements AutoCloseable {
  /** One layer's keys and values. */
  public record Layer(NDArray keys, NDArray values) {}

  private final NDManager manager;
  private final Layer[] layers;

  public KvCache(MoeConfig c, NDManager parent, int positions) {
    this.manager = parent.newSubManager();
    this.layers = new Layer[c.numLayers()];
    Shape shape = new Shape(positions, c.numKvHeads(), c.headDim());
    for (int l = 0; l < layers.length; l++) {
      layers[l] =
          new Layer(manager.zeros(shape, DataType.FLOAT32), manager.zeros(shape, DataType.FLOAT32));
    }
  }

  public Layer layer(int l) {
    return layers[l];
  }

  @Override
  public void close() {
    manager.close();
  }
}
