package org.eep.djl.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.eep.api.membership.MembershipView;
import org.eep.api.placement.ExpertPlacement;

/**
 * The routing tables the MoE step reads membership and placement through: fixed-shape int32
 * tensors allocated once per model load and updated in place on every view or placement change
 * (so on a GPU, captured graphs stay valid). {@code replicas[e, i]} is the i-th physical slot holding
 * logical expert e on an ACTIVE rank (-1 past {@code counts[e]}). Owned by one rank thread.
 */
public final class RoutingTable {
  private final NDArray replicas;
  private final NDArray counts;
  private final int experts;
  private final int width;
  private int[] replicaCache;
  private int[] countCache;
  private long updates;

  public RoutingTable(NDManager manager, int experts, int maxRanks) {
    this.experts = experts;
    this.width = maxRanks;
    this.replicas = manager.full(new Shape(experts, maxRanks), -1, DataType.INT32);
    this.counts = manager.zeros(new Shape(experts), DataType.INT32);
  }

  /** Rewrites the tables in place for {@code placement} masked by the ACTIVE ranks of {@code view}. */
  public void update(ExpertPlacement placement, MembershipView view) {
    int[] rep = new int[experts * width];
    int[] cnt = new int[experts];
    Arrays.fill(rep, -1);
    for (int e = 0; e < experts; e++) {
      for (int p : placement.replicas(e)) {
        if (view.isActive(placement.rankOf(p)) && cnt[e] < width) {
          rep[e * width + cnt[e]++] = p;
        }
      }
    }
    replicas.set(new NDIndex(":"), replicas.getManager().create(rep, new Shape(experts, width)));
    counts.set(new NDIndex(":"), counts.getManager().create(cnt));
    replicaCache = replicas.toIntArray();
    countCache = counts.toIntArray();
    updates++;
  }

  /** Active replicas of {@code expert}. */
  public int count(int expert) {
    return countCache[expert];
  }

  /** The i-th active replica's physical slot. */
  public int replica(int expert, int i) {
    return replicaCache[expert * width + i];
  }

  /** Logical experts with no active replica, ascending. */
  public int[] uncovered() {
    return java.util.stream.IntStream.range(0, experts).filter(e -> countCache[e] == 0).toArray();
  }

  /** The native tensors (for tests that check they stay the same objects). */
  public NDArray replicaTensor() {
    return replicas;
  }

  public NDArray countTensor() {
    return counts;
  }

  public int maxRanks() {
    return width;
  }

  public long updates() {
    return updates;
  }
}
