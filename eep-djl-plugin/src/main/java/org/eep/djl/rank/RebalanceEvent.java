package org.eep.djl.rank;

import static java.util.Objects.requireNonNull;

/**
 * Something a rank's rebalancing did, for the status, the timeline and the benchmark.
 *
 * @param kind what happened
 * @param epoch the epoch it happened in
 * @param step the step after which it happened (the snapshot step for {@link Kind#PLANNED} and
 *     {@link Kind#BALANCED})
 * @param snapshotId the load snapshot the plan came from
 * @param imbalanceBefore predicted max / mean rank load (all layers together) on the placement
 *     before
 * @param imbalanceAfter the same on the placement after
 * @param layerImbalanceBefore predicted max / mean rank load of the worst layer before
 * @param layerImbalanceAfter the same after
 * @param loads (layer, slot) weight loads of the rebalance, on all ranks
 * @param bytesStaged bytes this rank staged for it (on {@link Kind#SWITCHED})
 * @param ownTokens the routed tokens this rank's own window added to the snapshot (the snapshot is
 *     the sum over the active ranks)
 * @param atNanos {@link System#nanoTime} when it happened
 */
public record RebalanceEvent(
    Kind kind,
    long epoch,
    long step,
    long snapshotId,
    double imbalanceBefore,
    double imbalanceAfter,
    double layerImbalanceBefore,
    double layerImbalanceAfter,
    int loads,
    long bytesStaged,
    long ownTokens,
    long atNanos) {
  public RebalanceEvent {
    requireNonNull(kind, "kind is null");
  }

  /** The stages of a rebalance. */
  public enum Kind {
    /** A snapshot was agreed and its plan moves slots; staging began. */
    PLANNED,
    /** A snapshot was agreed and the placement is balanced enough already: nothing moves. */
    BALANCED,
    /** Every rank had staged; slots and routing tables switched in place after the step. */
    SWITCHED,
    /** A view change or a rank's failed staging ended a rebalance before its switch. */
    ABANDONED,
    /** A view change undid this epoch's switches (every rank does) before the view's repair. */
    REVERTED
  }
}
