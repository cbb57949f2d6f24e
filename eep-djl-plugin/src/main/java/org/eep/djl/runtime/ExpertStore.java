package org.eep.djl.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.eep.djl.model.MoeConfig;
import org.eep.djl.model.MoeMath;

/**
 * One rank's expert slots: per layer, stacked tensors [slots, …] for the gate, up and down
 * projections, allocated once and written in place when a slot's expert changes. Remembers which
 * logical expert each local slot holds. Owned by one rank thread.
 */
public final class ExpertStore {
  private final MoeConfig config;
  private final NDArray[] gate;
  private final NDArray[] up;
  private final NDArray[] down;
  private final int[] holds;
  private long bytesLoaded;

  public ExpertStore(MoeConfig config, NDManager manager, int slots) {
    this.config = config;
    int layers = config.numLayers();
    long h = config.hiddenSize();
    long i = config.moeIntermediateSize();
    gate = new NDArray[layers];
    up = new NDArray[layers];
    down = new NDArray[layers];
    for (int l = 0; l < layers; l++) {
      gate[l] = manager.zeros(new Shape(slots, i, h), DataType.FLOAT32);
      up[l] = manager.zeros(new Shape(slots, i, h), DataType.FLOAT32);
      down[l] = manager.zeros(new Shape(slots, h, i), DataType.FLOAT32);
    }
    holds = new int[slots];
    Arrays.fill(holds, -1);
  }

  /** Writes expert {@code expert}'s weights for {@code layer} into local slot {@code slot}, in place. */
  public void write(int layer, int slot, NDArray gateW, NDArray upW, NDArray downW) {
    gate[layer].set(new NDIndex(slot), gateW);
    up[layer].set(new NDIndex(slot), upW);
    down[layer].set(new NDIndex(slot), downW);
    bytesLoaded += (gateW.size() + upW.size() + downW.size()) * Float.BYTES;
  }

  /** Records that every layer of local slot {@code slot} now holds {@code expert}. */
  public void setHolds(int slot, int expert) {
    holds[slot] = expert;
  }

  public int holds(int slot) {
    return holds[slot];
  }

  public int slots() {
    return holds.length;
  }

  /** Runs expert FFN of local slot {@code slot} in {@code layer} on tokens {@code x} [n, hidden]. */
  public NDArray compute(int layer, int slot, NDArray x) {
    return org.eep.djl.model.MoeMath.expert(x, gate[layer].get(slot), up[layer].get(slot), down[layer].get(slot));
  }

  /** The three projections of local slot {@code slot} in {@code layer} (views, for copying to a peer). */
  public NDArray[] weights(int layer, int slot) {
    return new NDArray[] {gate[layer].get(slot), up[layer].get(slot), down[layer].get(slot)};
  }

  public long bytesLoaded() {
    return bytesLoaded;
  }

  public MoeConfig config() {
    return config;
  }

  /** The slot tensors of one layer (for tests that check they stay the same objects). */
  public NDArray gateTensor(int layer) {
    return gate[layer];
  }
}
