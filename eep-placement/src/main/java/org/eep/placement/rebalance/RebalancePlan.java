package org.eep.placement.rebalance;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.eep.api.placement.ExpertPlacement;

/**
 * A rebalance computed from load snapshot {@code snapshotId}: the placement before and after, the
 * slot moves between them (ascending physical slot), and the imbalance (max / mean of the active
 * ranks' token loads) the snapshot predicts for each. {@code moves} is empty when the new placement
 * would not be better enough to be worth moving weights for. Immutable.
 */
public record RebalancePlan(
    long snapshotId,
    ExpertPlacement before,
    ExpertPlacement after,
    List<SlotMove> moves,
    double imbalanceBefore,
    double imbalanceAfter) {
  public RebalancePlan {
    requireNonNull(before, "before is null");
    requireNonNull(after, "after is null");
    moves = List.copyOf(moves);
  }

  /** The moves that target {@code rank}. */
  public List<SlotMove> movesTo(int rank) {
    return moves.stream().filter(m -> m.targetRank() == rank).toList();
  }

  /** True if nothing is to move. */
  public boolean empty() {
    return moves.isEmpty();
  }
}
