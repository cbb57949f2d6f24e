package org.eep.placement.rebalance;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LayerMap;
import org.eep.api.placement.LoadSnapshot;
import org.eep.api.placement.PlacementPolicy;
import org.eep.api.placement.PlacementRequest;
import org.eep.placement.repair.SourceCatalog;
import org.eep.placement.repair.TierBandwidths;

/**
 * Plans a live rebalance: which logical expert each expert column is in each layer, the placement
 * policy's answer for the columns' loads, laid onto the current slots so that as few weights as
 * possible move.
 *
 * <ol>
 *   <li><b>Columns.</b> The columns are ranked by their current load summed over layers (ties:
 *       lower column). In every layer, the experts with at least 1.5 × the layer's mean load,
 *       heaviest first (ties: lower expert), take the top-ranked columns one each, swapping columns
 *       with the expert they displace; the others stay. The heavy experts of every layer then share
 *       the columns that get replicas, so balancing the columns' sums balances each layer, while
 *       the light experts (whose order in one window is mostly noise) do not move.
 *   <li><b>Placement.</b> The policy places the columns on the active ranks for their summed loads.
 *       Slots of ranks that are not active keep their column (a returning rank gets its slots by
 *       the rejoin plan, as after any failure).
 *   <li><b>Alignment.</b> On each active rank, a slot whose column is in the rank's new set keeps
 *       it (lowest slot first when a column repeats); the rank's other new columns fill its
 *       remaining slots in ascending order, lowest slot first. A slot the policy left empty keeps
 *       its column.
 *   <li><b>Loads.</b> Every (layer, active slot) whose logical expert differs afterwards is a load,
 *       from the fastest tier that has it by {@code TierBandwidths} (ties: peer, host, disk): a
 *       peer copy comes from the active rank, other than the target, that holds the expert in that
 *       layer now and serves the fewest loads so far (ties: lower rank, then lower slot). If their
 *       bytes exceed {@code budgetBytes}, the layer map stays as it is and slot moves are accepted
 *       in passes, heaviest new column first (ties: lower physical slot), while they fit: a move
 *       that would leave some column without an active replica, given the moves accepted so far,
 *       waits for a later pass; passes end when one accepts nothing. Coverage never shrinks.
 *   <li><b>Worth it?</b> Unless the predicted imbalance drops by at least {@code minGain}, over all
 *       layers or in the worst layer, the plan has no loads.
 * </ol>
 *
 * A rank's predicted load in a layer is the sum over its slots of that layer's load of the slot's
 * expert divided by the expert's active replicas (tokens spread evenly over replicas). Pure and
 * deterministic: every rank computes the same plan from the same inputs. Thread-safe.
 */
public final class RebalancePlanner {
  private final PlacementPolicy policy;
  private final TierBandwidths bandwidths;
  private final SourceCatalog catalog;
  private final double minGain;

  /**
   * {@code minGain}: how much the imbalance (max / mean) must drop for a rebalance to move weights
   * (for example 0.02); {@code bandwidths} and {@code catalog}: where each load can come from and
   * at what speed (the same on every rank).
   */
  public RebalancePlanner(
      PlacementPolicy policy, TierBandwidths bandwidths, SourceCatalog catalog, double minGain) {
    this.policy = requireNonNull(policy, "policy is null");
    this.bandwidths = requireNonNull(bandwidths, "bandwidths is null");
    this.catalog = requireNonNull(catalog, "catalog is null");
    if (!(minGain >= 0)) {
      throw new IllegalArgumentException("minGain must be >= 0, got " + minGain);
    }
    this.minGain = minGain;
  }

  /**
   * The rebalance of {@code current} with {@code map} on the {@code active} ranks for {@code
   * load[layer][logical expert]} (snapshot {@code snapshotId}), loading at most {@code budgetBytes}
   * of weights ({@code bytesPerExpertLayer} per (layer, slot) load).
   */
  public RebalancePlan plan(
      ExpertPlacement current,
      LayerMap map,
      BitSet active,
      long snapshotId,
      double[][] load,
      long seed,
      long bytesPerExpertLayer,
      long budgetBytes) {
    requireNonNull(current, "current is null");
    requireNonNull(map, "map is null");
    requireNonNull(active, "active is null");
    requireNonNull(load, "load is null");
    if (load.length != map.layers() || map.experts() != current.logicalExperts()) {
      throw new IllegalArgumentException(
          "load of " + load.length + " layers for a map of " + map.layers());
    }
    LayerMap aligned = LayerAlignment.alignedMap(map, load);
    RebalancePlan full =
        candidate(current, map, aligned, active, snapshotId, load, seed, false, 0, Long.MAX_VALUE);
    long bytes = full.loads().size() * bytesPerExpertLayer;
    RebalancePlan chosen = full;
    if (bytes > budgetBytes) {
      chosen =
          candidate(
              current,
              map,
              map,
              active,
              snapshotId,
              load,
              seed,
              true,
              bytesPerExpertLayer,
              budgetBytes);
    }
    boolean worth =
        chosen.imbalanceAfter() <= chosen.imbalanceBefore() - minGain
            || chosen.layerImbalanceAfter() <= chosen.layerImbalanceBefore() - minGain;
    if (chosen.loads().isEmpty() || !worth) {
      return new RebalancePlan(
          snapshotId,
          current,
          current,
          map,
          map,
          List.of(),
          List.of(),
          chosen.imbalanceBefore(),
          chosen.imbalanceBefore(),
          chosen.layerImbalanceBefore(),
          chosen.layerImbalanceBefore());
    }
    return chosen;
  }

  private RebalancePlan candidate(
      ExpertPlacement current,
      LayerMap map,
      LayerMap nextMap,
      BitSet active,
      long snapshotId,
      double[][] load,
      long seed,
      boolean budgeted,
      long bytesPerExpertLayer,
      long budgetBytes) {
    int spr = current.slotsPerRank();
    double[] columns = LayerAlignment.columnSums(nextMap, load);
    ExpertPlacement target =
        policy.place(
            new PlacementRequest(
                current.logicalExperts(),
                current.maxRanks(),
                spr,
                active,
                new LoadSnapshot(snapshotId, columns),
                seed));
    int[] next = current.physicalToLogical();
    for (int r = active.nextSetBit(0); r >= 0; r = active.nextSetBit(r + 1)) {
      align(current, target, r, next);
    }
    int[] slots = current.physicalToLogical();
    if (!budgeted) {
      slots = next;
    } else {
      long perSlot = bytesPerExpertLayer * map.layers();
      long spent = 0;
      List<Integer> candidates = new ArrayList<>();
      for (int p = 0; p < next.length; p++) {
        if (next[p] != slots[p]) {
          candidates.add(p);
        }
      }
      candidates.sort(
          Comparator.<Integer>comparingDouble(p -> -columns[next[p]]).thenComparingInt(p -> p));
      boolean progress = true;
      while (progress && spent + perSlot <= budgetBytes) {
        progress = false;
        for (int p : candidates) {
          if (next[p] == slots[p] || spent + perSlot > budgetBytes) {
            continue;
          }
          int was = slots[p];
          slots[p] = next[p];
          if (was >= 0 && activeReplicas(slots, spr, active, was) == 0) {
            slots[p] = was; // the only active copy of `was` until another move adds one
            continue;
          }
          spent += perSlot;
          progress = true;
        }
      }
    }
    ExpertPlacement after =
        new ExpertPlacement(current.maxRanks(), spr, current.logicalExperts(), slots);
    int[] before = current.physicalToLogical();
    List<SlotMove> moves = new ArrayList<>();
    List<SlotLoad> loads = new ArrayList<>();
    LoadSources sources = new LoadSources(bandwidths, catalog, current.maxRanks());
    for (int p = 0; p < slots.length; p++) {
      if (!active.get(p / spr) || slots[p] < 0) {
        continue;
      }
      if (slots[p] != before[p]) {
        moves.add(new SlotMove(p, p / spr, before[p], slots[p]));
      }
      for (int l = 0; l < map.layers(); l++) {
        int was = before[p] < 0 ? -1 : map.logicalOf(l, before[p]);
        int now = nextMap.logicalOf(l, slots[p]);
        if (was != now) {
          loads.add(sources.source(l, p, p / spr, now, current, map, active));
        }
      }
    }
    return new RebalancePlan(
        snapshotId,
        current,
        after,
        map,
        nextMap,
        moves,
        loads,
        imbalance(current, active, LayerAlignment.columnSums(map, load)),
        imbalance(after, active, columns),
        LayerAlignment.worstLayer(current, map, active, load),
        LayerAlignment.worstLayer(after, nextMap, active, load));
  }

  /** Writes rank {@code r}'s slots of {@code target} into {@code next}, keeping what stays. */
  private static void align(ExpertPlacement current, ExpertPlacement target, int r, int[] next) {
    int spr = current.slotsPerRank();
    List<Integer> wanted = new ArrayList<>();
    for (int e : target.expertsOn(r)) {
      if (e >= 0) {
        wanted.add(e);
      }
    }
    wanted.sort(null);
    boolean[] kept = new boolean[spr];
    for (int s = 0; s < spr; s++) {
      int e = current.logicalOf(r * spr + s);
      if (e >= 0 && wanted.remove(Integer.valueOf(e))) {
        kept[s] = true;
      }
    }
    for (int s = 0; s < spr && !wanted.isEmpty(); s++) {
      if (!kept[s]) {
        next[r * spr + s] = wanted.remove(0);
      }
    }
  }

  private static int activeReplicas(int[] slots, int spr, BitSet active, int expert) {
    int n = 0;
    for (int p = 0; p < slots.length; p++) {
      if (slots[p] == expert && active.get(p / spr)) {
        n++;
      }
    }
    return n;
  }

  /** Each active rank's predicted token load under {@code placement} (0 for the others). */
  public static double[] rankLoads(ExpertPlacement placement, BitSet active, double[] tokens) {
    int spr = placement.slotsPerRank();
    double[] rankLoad = new double[placement.maxRanks()];
    for (int e = 0; e < placement.logicalExperts(); e++) {
      int n = placement.activeReplicaCount(e, active);
      for (int p : placement.replicas(e)) {
        if (active.get(p / spr)) {
          rankLoad[p / spr] += tokens[e] / n;
        }
      }
    }
    return rankLoad;
  }

  /** Max over mean of the active ranks' predicted loads (1 when there is no load). */
  public static double imbalance(ExpertPlacement placement, BitSet active, double[] tokens) {
    double[] loads = rankLoads(placement, active, tokens);
    return maxOverMean(loads, active);
  }

  /** Max over mean of {@code loads} over the {@code active} ranks (1 when all are 0). */
  public static double maxOverMean(double[] loads, BitSet active) {
    double max = 0;
    double sum = 0;
    int n = 0;
    for (int r = active.nextSetBit(0); r >= 0 && r < loads.length; r = active.nextSetBit(r + 1)) {
      max = Math.max(max, loads[r]);
      sum += loads[r];
      n++;
    }
    return sum <= 0 ? 1.0 : max / (sum / n);
  }
}
