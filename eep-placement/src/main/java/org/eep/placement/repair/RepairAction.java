package org.eep.placement.repair;

import static java.util.Objects.requireNonNull;

/**
 * One load of a repair plan: {@code expert}'s weights go into {@code physicalSlot} on {@code
 * targetRank}, read from {@code source} ({@code sourceRank} is the peer for {@link Tier#PEER}, else
 * -1). {@code startSeconds} and {@code estimatedSeconds} come from the plan's cost model (bytes /
 * tier bandwidth; one load at a time per target rank and per peer source).
 */
public record RepairAction(
    int expert,
    int physicalSlot,
    int targetRank,
    Tier source,
    int sourceRank,
    long bytes,
    double estimatedSeconds,
    double startSeconds) {
  public RepairAction {
    requireNonNull(source, "source is null");
    if (expert < 0 || physicalSlot < 0 || targetRank < 0 || bytes < 0) {
      throw new IllegalArgumentException("expert, slot, target rank and bytes must be >= 0");
    }
    if ((source == Tier.PEER) != (sourceRank >= 0)) {
      throw new IllegalArgumentException(
          "sourceRank must be >= 0 exactly for PEER, got " + source + " from " + sourceRank);
    }
  }

  /** When the load is estimated to end. */
  public double endSeconds() {
    return startSeconds + estimatedSeconds;
  }
}
