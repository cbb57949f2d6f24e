package org.eep.djl.rank;

import static java.util.Objects.requireNonNull;

import org.eep.api.membership.Owner;

/**
 * Counters of one rank incarnation, grouped by what they count. The rebuild counters count work a
 * healthy rank must never redo across a peer's failure and rejoin: re-allocating its routing tables
 * or resetting its step state. They stay 0 on healthy ranks.
 *
 * @param owner the incarnation counted
 * @param epoch the epoch of the newest view it fully applied (connections, repair, routing tables;
 *     -1 before it joined)
 * @param steps its steps
 * @param tokensEmitted tokens it emitted to requests
 * @param connectionsOpened transport connections it opened or re-opened
 * @param routingUpdates in-place updates of its routing tables
 * @param rebuilds work it redid that it should never have to
 * @param loads bytes it loaded into expert slots and read from the checkpoint
 * @param fencedMessages data-plane messages its transport dropped as stale (older epoch or
 *     incarnation)
 * @param admissions requests it took into its batch and how their prefill went
 * @param kv its KV pool
 * @param parking requests it parked because an expert they chose had no replica
 * @param probes the data-plane probes it sent to silent peers
 * @param rebalancing what live rebalancing did on it
 */
public record RankStats(
    Owner owner,
    long epoch,
    Steps steps,
    long tokensEmitted,
    long connectionsOpened,
    long routingUpdates,
    Rebuilds rebuilds,
    Loads loads,
    long fencedMessages,
    Admissions admissions,
    Kv kv,
    Parking parking,
    Probes probes,
    Rebalancing rebalancing) {
  public RankStats {
    requireNonNull(owner, "owner is null");
    requireNonNull(steps, "steps is null");
    requireNonNull(rebuilds, "rebuilds is null");
    requireNonNull(loads, "loads is null");
    requireNonNull(admissions, "admissions is null");
    requireNonNull(kv, "kv is null");
    requireNonNull(parking, "parking is null");
    requireNonNull(probes, "probes is null");
    requireNonNull(rebalancing, "rebalancing is null");
  }

  /**
   * Steps completed; steps aborted at an epoch boundary (run again in the next epoch); and
   * completed steps run again because a peer had not completed them when the epoch changed.
   */
  public record Steps(long completed, long aborted, long rerun) {}

  /** Routing-table re-allocations, and step counters reset because a roll-back was impossible. */
  public record Rebuilds(long tables, long stepStateResets) {
    /** Every rebuild a healthy rank must never do. */
    public long total() {
      return tables + stepStateResets;
    }
  }

  /** Bytes written into expert slots (any tier), and bytes read from the checkpoint. */
  public record Loads(long expertBytes, long checkpointBytes) {}

  /**
   * Requests taken into the batch (new and re-queued), the prefill chunks and positions computed
   * for them, and the most steps any of them took from its admission to its next token (1: the step
   * that prefilled it emitted it).
   */
  public record Admissions(
      long requests, long prefillChunks, long prefillPositions, long maxStepsToToken) {}

  /** KV pool positions in all, and not handed out. */
  public record Kv(long capacity, long free) {}

  /**
   * Requests waiting now for coverage to return ({@code eep_coverage_wait_ms}), times a request was
   * parked, resumed once coverage was back, and failed because it did not come back in time.
   */
  public record Parking(long waiting, long parked, long resumed, long expired) {}

  /**
   * Probes sent to peers that fell silent; those answered (something arrived from the peer before
   * the probe timed out); those that timed out and were reported to the coordinator.
   */
  public record Probes(long sent, long answered, long failed) {}

  /**
   * Load snapshots agreed, rebalances switched, abandoned before their switch and undone by a view
   * change, the bytes staged for them from peers, the host backup and the checkpoint, and peers'
   * control words dropped as malformed.
   */
  public record Rebalancing(
      long snapshots,
      long switched,
      long abandoned,
      long reverted,
      long peerBytesStaged,
      long hostBytesStaged,
      long diskBytesStaged,
      long malformedWords) {}
}
