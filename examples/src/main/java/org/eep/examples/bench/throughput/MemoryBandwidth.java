package org.eep.examples.bench.throughput;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The memory bandwidth one core gets reading a large tensor through the tensor engine (a sum over
 * 512 MiB, far beyond any cache; best of three): the bandwidth the roofline of a step divides its
 * weight bytes by.
 */
final class MemoryBandwidth {
  private static final long BYTES = 512L << 20;

  private MemoryBandwidth() {}

  /** Bytes per second. */
  static double measure() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray big = m.ones(new Shape(BYTES / Float.BYTES));
      double best = 0;
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        big.sum().close();
        best = Math.max(best, BYTES / ((System.nanoTime() - t0) / 1e9));
      }
      return best;
    }
  }
}
