package org.eep.djl.step;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.eep.djl.model.MoeConfig;

/**
 * One rank's expert slots: per layer, two stacked tensors allocated once, {@code gateUp [slots, h,
 * 2i]} (the gate and up projections transposed side by side) and {@code down [slots, i, h]},
 * written in place when a slot's expert changes. Remembers which logical expert each slot holds.
 *
 * <p>{@link #compute} runs every local slot's expert on the rows routed to it with index operations
 * on tensors: when many slots are in use, the rows are gathered into a {@code [slots, rows per
 * slot, h]} batch (padded with a zero row) and each projection is one batched matrix product over
 * all slots; when few are, one product per used slot. Owned by one rank thread.
 */
public final class ExpertStore {
  private final MoeConfig config;
  private final NDManager manager;
  private final NDArray[] gateUp;
  private final NDArray[] down;

  /** Each slot's view of {@link #gateUp} and {@link #down}, made once (same memory). */
  private final NDArray[][] gateUpSlots;

  private final NDArray[][] downSlots;
  private final int[] holds;
  private long bytesLoaded;

  public ExpertStore(MoeConfig config, NDManager manager, int slots) {
    this.config = requireNonNull(config, "config is null");
    this.manager = requireNonNull(manager, "manager is null");
    int layers = config.numLayers();
    long h = config.hiddenSize();
    long i = config.moeIntermediateSize();
    gateUp = new NDArray[layers];
    down = new NDArray[layers];
    for (int l = 0; l < layers; l++) {
      gateUp[l] = manager.zeros(new Shape(slots, h, 2 * i), DataType.FLOAT32);
      down[l] = manager.zeros(new Shape(slots, i, h), DataType.FLOAT32);
    }
    gateUpSlots = new NDArray[layers][slots];
    downSlots = new NDArray[layers][slots];
    for (int l = 0; l < layers; l++) {
      for (int s = 0; s < slots; s++) {
        gateUpSlots[l][s] = gateUp[l].get(s);
        downSlots[l][s] = down[l].get(s);
      }
    }
    holds = new int[slots];
    Arrays.fill(holds, -1);
  }

  /**
   * Writes an expert's projections in the checkpoint's layout (gate, up {@code [i, h]}; down {@code
   * [h, i]}) into slot {@code slot}, in place.
   */
  public void write(int layer, int slot, NDArray gateW, NDArray upW, NDArray downW) {
    try (NDManager scratch = manager.newSubManager()) {
      NDArray[] stored = storeLayout(gateW, upW, downW, scratch);
      writeSlot(layer, slot, stored[0], stored[1]);
    }
  }

  /** Writes projections given as arrays in the checkpoint's layout (row-major), in place. */
  public void write(int layer, int slot, float[][] w) {
    try (NDManager scratch = manager.newSubManager()) {
      NDArray[] t = checkpointTensors(w, scratch);
      write(layer, slot, t[0], t[1], t[2]);
    }
  }

  /**
   * An expert's projections in the checkpoint's layout (gate, up {@code [i, h]}; down {@code [h,
   * i]}) as tensors in the store's layout ({@code gateUp [h, 2i]}, {@code down [i, h]}), made in
   * {@code into}, with memory of their own: they stay valid once the inputs are closed. Pure;
   * callable from any thread.
   */
  public static NDArray[] storeLayout(NDArray gateW, NDArray upW, NDArray downW, NDManager into) {
    try (NDManager views = into.newSubManager()) {
      NDArray gateT = gateW.transpose();
      gateT.attach(views);
      NDArray upT = upW.transpose();
      upT.attach(views);
      NDArray downT = downW.transpose();
      downT.attach(views);
      NDArray gu = NDArrays.concat(new NDList(gateT, upT), 1);
      gu.attach(into);
      // A transpose is a view of the input's memory. An input made from a direct buffer (a
      // checkpoint read, a host backup) frees that memory once it is closed and collected, while a
      // staged load waits steps for its switch: the copy must own its memory.
      NDArray d = downT.duplicate();
      d.attach(into);
      return new NDArray[] {gu, d};
    }
  }

  /**
   * Projections given as arrays in the checkpoint's layout (gate, up, down; row-major) as tensors
   * of their shapes, made in {@code into}. Callable from any thread.
   */
  public NDArray[] checkpointTensors(float[][] w, NDManager into) {
    long h = config.hiddenSize();
    long i = config.moeIntermediateSize();
    return new NDArray[] {
      into.create(w[0], new Shape(i, h)),
      into.create(w[1], new Shape(i, h)),
      into.create(w[2], new Shape(h, i))
    };
  }

  /**
   * Copies of slot {@code slot}'s tensors in {@code layer} in the store's own layout, {@code
   * gateUp} then {@code down}, made in {@code into}. Only reads the slot, so a staging thread may
   * call it while the rank thread steps (the slot changes only on the rank thread, between steps).
   */
  public NDArray[] copySlot(int layer, int slot, NDManager into) {
    NDArray gu = gateUpSlots[layer][slot].duplicate();
    gu.attach(into);
    NDArray d = downSlots[layer][slot].duplicate();
    d.attach(into);
    return new NDArray[] {gu, d};
  }

  /**
   * Writes tensors in the store's own layout ({@code gateUp [h, 2i]}, {@code down [i, h]}, as
   * {@link #copySlot}, a staging or a peer's WEIGHTS message made them) into slot {@code slot} of
   * {@code layer}: one copy each, in place.
   */
  public void writeSlot(int layer, int slot, NDArray gateUpW, NDArray downW) {
    gateUp[layer].set(new NDIndex("{}", slot), gateUpW);
    down[layer].set(new NDIndex("{}", slot), downW);
    bytesLoaded += (gateUpW.size() + downW.size()) * Float.BYTES;
  }

  /**
   * The stored bytes of slot {@code slot} in {@code layer}, {@code gateUp} then {@code down}: views
   * of the slot tensors (no copy), valid until {@code scratch} closes or the slot is written.
   */
  public ByteBuffer[] slotBytes(int layer, int slot, NDManager scratch) {
    NDArray gu = gateUp[layer].get(slot);
    gu.attach(scratch);
    NDArray d = down[layer].get(slot);
    d.attach(scratch);
    return new ByteBuffer[] {gu.toByteBuffer(true), d.toByteBuffer(true)};
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
   * The experts of {@code layer} applied to rows {@code x} {@code [R, h]}, row {@code r} by the
   * expert of local slot {@code slots[r]}: {@code [R, h]}. Allocates in {@code x}'s manager.
   */
  public NDArray compute(int layer, NDArray x, int[] slots) {
    int rows = slots.length;
    int h = config.hiddenSize();
    int n = holds.length;
    int[] count = new int[n];
    for (int s : slots) {
      count[s]++;
    }
    int used = 0;
    int widest = 0;
    for (int c : count) {
      used += c > 0 ? 1 : 0;
      widest = Math.max(widest, c);
    }
    if (rows == 0) {
      return x;
    }
    // One batched product over every slot reads each slot's weights once (about 30 us a slot here)
    // and pays for the padding rows (about 5 us each); a product per used slot reads only the used
    // experts but costs four operations each (about 60 us). Take the cheaper.
    long padding = (long) n * widest - rows;
    boolean batched = 30L * n + 5L * padding <= 60L * used;
    return batched ? batched(layer, x, slots, count, widest) : perSlot(layer, x, slots, count);
  }

  private NDArray batched(int layer, NDArray x, int[] slots, int[] count, int widest) {
    int n = holds.length;
    int rows = slots.length;
    int h = config.hiddenSize();
    int i = config.moeIntermediateSize();
    int[] pad = new int[n * widest];
    Arrays.fill(pad, rows);
    int[] fill = new int[n];
    int[] unpad = new int[rows];
    for (int r = 0; r < rows; r++) {
      int s = slots[r];
      int at = s * widest + fill[s]++;
      pad[at] = r;
      unpad[r] = at;
    }
    NDManager m = x.getManager();
    NDArray padded =
        NDArrays.concat(new NDList(x, m.zeros(new Shape(1, h))), 0)
            .get(m.create(pad))
            .reshape(n, widest, h);
    NDArray gu = padded.batchMatMul(gateUp[layer]);
    NDArray act =
        Kernels.swiglu(
            gu.get(new NDIndex().addAllDim(2).addSliceDim(0, i)),
            gu.get(new NDIndex().addAllDim(2).addSliceDim(i, 2L * i)));
    return act.batchMatMul(down[layer]).reshape((long) n * widest, h).get(m.create(unpad));
  }

  /**
   * One product per used slot, in four operations each: the rows sorted by slot once, then per slot
   * a slice of them times the slot's gate-and-up view; the activation once for all; per slot a
   * slice times the down view; the outputs back in row order once.
   */
  private NDArray perSlot(int layer, NDArray x, int[] slots, int[] count) {
    int n = holds.length;
    int rows = slots.length;
    int i = config.moeIntermediateSize();
    int[] start = new int[n + 1];
    for (int s = 0; s < n; s++) {
      start[s + 1] = start[s] + count[s];
    }
    int[] order = new int[rows];
    int[] unsort = new int[rows];
    int[] fill = start.clone();
    for (int r = 0; r < rows; r++) {
      int at = fill[slots[r]]++;
      order[at] = r;
      unsort[r] = at;
    }
    NDManager m = x.getManager();
    NDArray sorted = x.get(m.create(order));
    NDList gates = new NDList();
    for (int s = 0; s < n; s++) {
      if (count[s] > 0) {
        gates.add(
            sorted
                .get(new NDIndex().addSliceDim(start[s], start[s + 1]))
                .matMul(gateUpSlots[layer][s]));
      }
    }
    NDArray gu = gates.size() == 1 ? gates.get(0) : NDArrays.concat(gates, 0);
    NDArray act =
        Kernels.swiglu(
            gu.get(new NDIndex().addAllDim().addSliceDim(0, i)),
            gu.get(new NDIndex().addAllDim().addSliceDim(i, 2L * i)));
    NDList outs = new NDList();
    for (int s = 0; s < n; s++) {
      if (count[s] > 0) {
        outs.add(
            act.get(new NDIndex().addSliceDim(start[s], start[s + 1])).matMul(downSlots[layer][s]));
      }
    }
    return (outs.size() == 1 ? outs.get(0) : NDArrays.concat(outs, 0)).get(m.create(unsort));
  }

  public long bytesLoaded() {
    return bytesLoaded;
  }

  public MoeConfig config() {
    return config;
  }

  /**
   * The gate-and-up projections of one layer's slots: a native tensor that stays the same object
   * for the store's life.
   */
  public NDArray gateTensor(int layer) {
    return gateUp[layer];
  }
}
