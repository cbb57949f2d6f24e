package org.eep.djl.step;

import java.util.Arrays;

/**
 * Tokens this rank routed to each (layer, logical expert) over the last {@code window} steps: a
 * ring of per-step counts and their running sum. Written on the rank thread ({@link #routed} during
 * a step, {@link #endStep} after it); {@link #totals} may be read from any thread (a racy but
 * whole-number view).
 */
public final class LoadWindow {
  private final int layers;
  private final int experts;
  private final int[][] ring;
  private final long[] sum;
  private int[] current;
  private int at;

  /** A window of {@code window} steps (0: counts nothing) for {@code layers × experts}. */
  public LoadWindow(int layers, int experts, int window) {
    if (layers <= 0 || experts <= 0 || window < 0) {
      throw new IllegalArgumentException("layers and experts must be > 0 and window >= 0");
    }
    this.layers = layers;
    this.experts = experts;
    this.ring = new int[window][];
    this.sum = new long[layers * experts];
    this.current = new int[layers * experts];
  }

  /** True if the window counts anything. */
  public boolean enabled() {
    return ring.length > 0;
  }

  /** Counts one step's top-k choices of one layer ({@code chosen}: expert ids, row-major). */
  public void routed(int layer, int[] chosen) {
    if (ring.length == 0) {
      return;
    }
    int base = layer * experts;
    for (int e : chosen) {
      current[base + e]++;
    }
  }

  /** Ends a step: its counts join the window, the oldest step's leave it. */
  public void endStep() {
    if (ring.length == 0) {
      return;
    }
    int[] old = ring[at];
    synchronized (sum) {
      for (int i = 0; i < sum.length; i++) {
        sum[i] += current[i] - (old == null ? 0 : old[i]);
      }
    }
    ring[at] = current;
    at = (at + 1) % ring.length;
    current = old == null ? new int[sum.length] : old;
    Arrays.fill(current, 0);
  }

  /** Drops the counts of a step that did not complete (it runs again, and counts then). */
  public void discardStep() {
    Arrays.fill(current, 0);
  }

  /** Tokens per (layer, expert) in the window, {@code [layer × experts + expert]}. */
  public long[] totals() {
    synchronized (sum) {
      return sum.clone();
    }
  }

  /** Tokens routed to {@code expert} in {@code layer} in the window. */
  public long total(int layer, int expert) {
    synchronized (sum) {
      return sum[layer * experts + expert];
    }
  }

  public int layers() {
    return layers;
  }

  public int experts() {
    return experts;
  }
}
