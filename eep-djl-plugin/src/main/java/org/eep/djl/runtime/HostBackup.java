package org.eep.djl.runtime;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's host-memory copy of expert weights, the middle repair tier: filled when ranks load
 * their experts, read when a survivor takes over an orphaned expert. One per instance per JVM
 * (every in-process rank of an instance shares it). Thread-safe.
 */
public final class HostBackup {
  private static final Map<String, HostBackup> BY_INSTANCE = new ConcurrentHashMap<>();
  private final Map<Long, float[][]> weights = new ConcurrentHashMap<>();

  static HostBackup of(String instance) {
    return BY_INSTANCE.computeIfAbsent(instance, k -> new HostBackup());
  }

  static void drop(String instance) {
    BY_INSTANCE.remove(instance);
  }

  void put(int layer, int expert, float[][] projections) {
    weights.putIfAbsent(key(layer, expert), projections);
  }

  /** The three projections of {@code expert} in {@code layer}, or null. */
  float[][] get(int layer, int expert) {
    return weights.get(key(layer, expert));
  }

  private static long key(int layer, int expert) {
    return ((long) layer << 32) | expert;
  }
}
