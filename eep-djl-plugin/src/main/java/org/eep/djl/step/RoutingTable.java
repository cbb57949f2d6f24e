package org.eep.djl.step;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.eep.api.membership.MembershipView;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LayerMap;

/**
 * The routing tables the MoE step reads membership and placement through: fixed-shape int32 tensors
 * allocated once per model load and updated in place on every view or placement change (so on a
 * GPU, captured graphs stay valid). {@code columns[l, e]} is the expert column that is logical
 * expert e in layer l ({@link LayerMap}); {@code replicas[c, i]} is the i-th physical slot holding
 * column c on an ACTIVE rank (-1 past {@code counts[c]}).
 *
 * <p>The replica table is {@code maxRanks} wide. A placement that gives one expert more active
 * replicas than that (two replicas on one rank, which the balanced policy only does when it must)
 * cannot be written in place: the table is re-allocated wider and the rebuild is counted, so "no
 * rebuilds" is a claim this class checks rather than assumes. Owned by one rank thread.
 */
public final class RoutingTable {
  private final NDManager manager;
  private final NDArray counts;
  private final NDArray columns;
  private LayerMap map;
  private final int experts;
  private final int ranks;
  private NDArray replicas;
  private int width;
  private int[] replicaCache;
  private int[] countCache;
  private long updates;
  private long rebuilds;

  public RoutingTable(NDManager manager, int layers, int experts, int maxRanks) {
    this.manager = requireNonNull(manager, "manager is null");
    this.map = LayerMap.identity(layers, experts);
    this.columns = manager.create(map.columnsArray());
    this.experts = experts;
    this.ranks = maxRanks;
    this.width = maxRanks;
    this.replicas = manager.full(new Shape(experts, maxRanks), -1, DataType.INT32);
    this.counts = manager.zeros(new Shape(experts), DataType.INT32);
    this.countCache = new int[experts];
  }

  /**
   * Rewrites the tables for {@code placement} of the columns of {@code map} masked by the ACTIVE
   * ranks of {@code view}: in place, unless they must grow.
   */
  public void update(ExpertPlacement placement, LayerMap map, MembershipView view) {
    requireNonNull(map, "map is null");
    int[] cnt = new int[experts];
    int needed = 0;
    for (int e = 0; e < experts; e++) {
      for (int p : placement.replicas(e)) {
        if (view.isActive(placement.rankOf(p))) {
          cnt[e]++;
        }
      }
      needed = Math.max(needed, cnt[e]);
    }
    if (needed > width) {
      replicas.close();
      width = needed;
      replicas = manager.full(new Shape(experts, width), -1, DataType.INT32);
      rebuilds++;
    }
    int[] rep = new int[experts * width];
    Arrays.fill(rep, -1);
    Arrays.fill(cnt, 0);
    for (int e = 0; e < experts; e++) {
      for (int p : placement.replicas(e)) {
        if (view.isActive(placement.rankOf(p))) {
          rep[e * width + cnt[e]++] = p;
        }
      }
    }
    try (NDManager scratch = manager.newSubManager()) {
      replicas.set(new NDIndex(":"), scratch.create(rep, new Shape(experts, width)));
      counts.set(new NDIndex(":"), scratch.create(cnt));
      if (!map.equals(this.map)) {
        columns.set(new NDIndex(":"), scratch.create(map.columnsArray()));
      }
    }
    this.map = map;
    replicaCache = rep;
    countCache = cnt;
    updates++;
  }

  /** The column that is logical expert {@code expert} in {@code layer}. */
  public int column(int layer, int expert) {
    return map.columnOf(layer, expert);
  }

  /** Active replicas of column {@code column}. */
  public int count(int column) {
    return countCache[column];
  }

  /** The i-th active replica's physical slot. */
  public int replica(int column, int i) {
    return replicaCache[column * width + i];
  }

  /** Logical experts without an active replica in some layer, ascending. */
  public int[] uncovered() {
    return map.logicalOfAny(IntStream.range(0, experts).filter(c -> countCache[c] == 0).toArray());
  }

  /** The column of every (layer, logical expert): the same object across updates. */
  public NDArray columnTensor() {
    return columns;
  }

  /** The native replica table (the same object across updates unless a rebuild was counted). */
  public NDArray replicaTensor() {
    return replicas;
  }

  public NDArray countTensor() {
    return counts;
  }

  /** Slots of the instance: the number of destination ranks a step buckets rows for. */
  public int maxRanks() {
    return ranks;
  }

  public long updates() {
    return updates;
  }

  /** Re-allocations of the tables after their creation. */
  public long rebuilds() {
    return rebuilds;
  }
}
