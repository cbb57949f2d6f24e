package org.eep.api.placement;

/**
 * Places logical experts on physical slots. Must be a pure, deterministic function of the {@link
 * PlacementRequest}: every rank calls it independently and must get the same answer. Thread-safe.
 * Called by the runtime at model load and when it rebalances.
 */
@FunctionalInterface
public interface PlacementPolicy {

  /**
   * A placement in which every logical expert has at least one replica on a usable rank, no two
   * replicas of one expert share a rank where avoidable, and slots of unusable ranks hold nothing.
   *
   * @throws IllegalArgumentException if the usable slots cannot hold every logical expert
   */
  ExpertPlacement place(PlacementRequest request);
}
