package org.eep.djl.rank.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.eep.api.comm.TransportStats;
import org.eep.api.membership.Owner;
import org.eep.djl.rank.RankStats;
import org.eep.djl.step.ExpertStore;
import org.eep.djl.step.RoutingTable;

/**
 * The counters one rank incarnation increments as it works, and their snapshot as {@link RankStats}
 * (with the counts the routing table, the expert store and the transport keep themselves).
 * Incremented on the rank thread; read from any thread.
 */
public final class RankCounters {
  final LongAdder stepsCompleted = new LongAdder();
  final LongAdder stepsAborted = new LongAdder();
  final LongAdder stepsRerun = new LongAdder();
  final LongAdder tokensEmitted = new LongAdder();
  final LongAdder connectionsOpened = new LongAdder();
  final LongAdder stepStateResets = new LongAdder();
  final LongAdder admitted = new LongAdder();
  final LongAdder prefillChunks = new LongAdder();
  final LongAdder prefillPositions = new LongAdder();
  final AtomicLong maxStepsToToken = new AtomicLong();
  final LongAdder parked = new LongAdder();
  final LongAdder parkResumed = new LongAdder();
  final LongAdder parkExpired = new LongAdder();
  final AtomicLong parkedNow = new AtomicLong();
  final LongAdder probesSent = new LongAdder();
  final LongAdder probesAnswered = new LongAdder();
  final LongAdder probesFailed = new LongAdder();

  public long stepsCompleted() {
    return stepsCompleted.sum();
  }

  /**
   * The counters now; {@code routing}, {@code store} may be null before the rank allocated them.
   */
  RankStats snapshot(
      Owner owner,
      long epoch,
      RoutingTable routing,
      ExpertStore store,
      long checkpointBytes,
      TransportStats transport,
      RankStats.Kv kv,
      RankStats.Rebalancing rebalancing) {
    return new RankStats(
        owner,
        epoch,
        new RankStats.Steps(stepsCompleted.sum(), stepsAborted.sum(), stepsRerun.sum()),
        tokensEmitted.sum(),
        connectionsOpened.sum(),
        routing == null ? 0 : routing.updates(),
        new RankStats.Rebuilds(routing == null ? 0 : routing.rebuilds(), stepStateResets.sum()),
        new RankStats.Loads(store == null ? 0 : store.bytesLoaded(), checkpointBytes),
        transport.fenced(),
        new RankStats.Admissions(
            admitted.sum(), prefillChunks.sum(), prefillPositions.sum(), maxStepsToToken.get()),
        kv,
        new RankStats.Parking(parkedNow.get(), parked.sum(), parkResumed.sum(), parkExpired.sum()),
        new RankStats.Probes(probesSent.sum(), probesAnswered.sum(), probesFailed.sum()),
        rebalancing);
  }
}
