package org.eep.djl.repair;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's host-memory copy of expert weights, the middle repair tier: filled when ranks load
 * their experts from the checkpoint, read when a survivor takes over an orphaned expert. One per
 * instance whose ranks all run in one JVM (they share it); a rank process has none its peers could
 * count on. Thread-safe.
 */
public final class HostBackup {
  /** An empty backup. */
  public HostBackup() {}

  private record Key(int layer, int expert) {}

  private final Map<Key, float[][]> weights = new ConcurrentHashMap<>();

  /**
   * Keeps the three projections of {@code expert} in {@code layer}, unless a copy is kept already.
   */
  void put(int layer, int expert, float[][] projections) {
    weights.putIfAbsent(new Key(layer, expert), projections);
  }

  /** The three projections of {@code expert} in {@code layer}, or null. */
  float[][] get(int layer, int expert) {
    return weights.get(new Key(layer, expert));
  }
}
