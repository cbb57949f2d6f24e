package org.eep.djl.step;

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

  /**
   * Writes expert {@code expert}'s weights for {@code layer} into local slot {@code slot}, in
   * place.
   */
  public void write(int layer, int slot, NDArray gateW, NDArray upW, NDArray downW) {
    gate[layer].set(new NDIndex(slot), gateW);
    up[layer].set(new NDIndex(slot), upW);
    down[layer].set(new NDIndex(slot), downW);
    bytesLoaded += (gateW.size() + upW.size() + downW.size()) * Float.BYTES;
  }

  /**
   * Writes projections given as arrays (gate, up: {@code [i, h]}; down: {@code [h, i]}, row-major),
   * in place.
   */
  public void write(int layer, int slot, float[][] w) {
    long h = config.hiddenSize();
    long i = config.moeIntermediateSize();
    try (NDManager scratch = gate[layer].getManager().newSubManager()) {
      write(
          layer,
          slot,
          scratch.create(w[0], new Shape(i, h)),
          scratch.create(w[1], new Shape(i, h)),
          scratch.create(w[2], new Shape(h, i)));
    }
  }

  /** The local slot holding {@code expert}, or -1. */
  public int slotOf(int expert) {
    for (int s = 0; s < holds.length; s++) {
      if (holds[s] == expert) {
        return s;
      }
    }
    return -1;
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

  /**
   * Runs expert FFN of local slot {@code slot} in {@code layer} on tokens {@code x} [n, hidden].
   */
  public NDArray compute(int layer, int slot, NDArray x) {
    return MoeMath.expert(x, gate[layer].get(slot), up[layer].get(slot), down[layer].get(slot));
  }

  /**
   * The three projections of local slot {@code slot} in {@code layer}, copied out (for a peer's
   * repair).
   */
  public float[][] weightArrays(int layer, int slot) {
    try (NDManager scratch = gate[layer].getManager().newSubManager()) {
      NDArray g = gate[layer].get(slot);
      NDArray u = up[layer].get(slot);
      NDArray d = down[layer].get(slot);
      g.attach(scratch);
      u.attach(scratch);
      d.attach(scratch);
      return new float[][] {g.toFloatArray(), u.toFloatArray(), d.toFloatArray()};
    }
  }

  public long bytesLoaded() {
    return bytesLoaded;
  }

  public MoeConfig config() {
    return config;
  }

  /**
   * The gate projections of one layer's slots: a native tensor that stays the same object for the
   * store's life.
   */
  public NDArray gateTensor(int layer) {
    return gate[layer];
  }
}
