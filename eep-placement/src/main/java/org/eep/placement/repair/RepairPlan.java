package org.eep.placement.repair;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.eep.api.placement.ExpertPlacement;

/**
 * The result of {@link RepairPlanner}: the placement before and after, the loads that turn one into
 * the other (ordered by start time, then target rank, then slot), the experts that could not be
 * restored (sorted) and the estimated makespan in seconds. Immutable.
 */
public record RepairPlan(
    ExpertPlacement before,
    ExpertPlacement after,
    List<RepairAction> actions,
    List<Integer> missingExperts,
    double estimatedSeconds) {
  public RepairPlan {
    requireNonNull(before, "before is null");
    requireNonNull(after, "after is null");
    actions = List.copyOf(actions);
    missingExperts = List.copyOf(missingExperts);
  }

  /** True if nothing is missing: every expert the plan had to restore (or load) has a load. */
  public boolean fullCoverage() {
    return missingExperts.isEmpty();
  }

  /** Bytes moved by all loads. */
  public long bytesMoved() {
    return actions.stream().mapToLong(RepairAction::bytes).sum();
  }

  /** Bytes moved by loads from {@code tier}. */
  public long bytesFrom(Tier tier) {
    return actions.stream().filter(a -> a.source() == tier).mapToLong(RepairAction::bytes).sum();
  }

  /** Number of loads from {@code tier}. */
  public int loadsFrom(Tier tier) {
    return (int) actions.stream().filter(a -> a.source() == tier).count();
  }
}
