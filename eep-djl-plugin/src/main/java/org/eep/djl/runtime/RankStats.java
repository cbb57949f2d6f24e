package org.eep.djl.runtime;

/**
 * Counters of one rank incarnation. The rebuild counters count work a healthy rank must never
 * redo across a peer's failure and rejoin: re-allocating routing tables or expert slots, creating
 * a transport, or resetting its step state. They stay 0 on healthy ranks.
 */
public record RankStats(
    int rank,
    long incarnation,
    long epoch,
    long stepsCompleted,
    long stepsAborted,
    long tokensEmitted,
    long connectionsOpened,
    long tableRebuilds,
    long transportRebuilds,
    long stepStateResets,
    long routingUpdates,
    long expertBytesLoaded,
    long checkpointBytesRead,
    long fencedMessages) {

  /** Every rebuild a healthy rank must never do. */
  public long rebuilds() {
    return tableRebuilds + transportRebuilds + stepStateResets;
  }
}
