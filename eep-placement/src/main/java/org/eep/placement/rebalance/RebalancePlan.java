package org.eep.placement.rebalance;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LayerMap;
import org.eep.placement.repair.Tier;

/**
 * A rebalance computed from load snapshot {@code snapshotId}: the placement of expert columns and
 * the layer map before and after, the slots whose column changes ({@code moves}, ascending physical
 * slot), the weight loads that make every slot hold its new experts ({@code loads}: per layer and
 * slot whose logical expert changes), and the imbalance (max / mean of the active ranks' token
 * loads) the snapshot predicts: over all layers together, and in the worst layer. {@code loads} is
 * empty when the new placement would not be better enough to be worth moving weights for.
 * Immutable.
 */
public record RebalancePlan(
    long snapshotId,
    ExpertPlacement before,
    ExpertPlacement after,
    LayerMap mapBefore,
    LayerMap mapAfter,
    List<SlotMove> moves,
    List<SlotLoad> loads,
    double imbalanceBefore,
    double imbalanceAfter,
    double layerImbalanceBefore,
    double layerImbalanceAfter) {
  public RebalancePlan {
    requireNonNull(before, "before is null");
    requireNonNull(after, "after is null");
    requireNonNull(mapBefore, "mapBefore is null");
    requireNonNull(mapAfter, "mapAfter is null");
    moves = List.copyOf(moves);
    loads = List.copyOf(loads);
  }

  /** The weight loads that target {@code rank}. */
  public List<SlotLoad> loadsTo(int rank) {
    return loads.stream().filter(m -> m.targetRank() == rank).toList();
  }

  /** The loads a peer copy from {@code rank} serves. */
  public List<SlotLoad> sentBy(int rank) {
    return loads.stream().filter(m -> m.source() == Tier.PEER && m.sourceRank() == rank).toList();
  }

  /** True if nothing is to move. */
  public boolean empty() {
    return loads.isEmpty();
  }
}
