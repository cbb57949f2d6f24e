package org.eep.djl.rank.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.eep.djl.rank.RebalanceEvent;
import org.eep.djl.rank.RebalanceEvent.Kind;
import org.eep.placement.rebalance.RebalancePlan;

/**
 * What one rank's rebalancing did: counts per kind of event and the last {@value #KEPT} events,
 * which a caller may wait on. Written by the rank thread; read and awaited from any thread.
 */
final class RebalanceLog {
  private static final int KEPT = 256;

  private final Deque<RebalanceEvent> events = new ArrayDeque<>();
  private final Map<Kind, LongAdder> counts = new EnumMap<>(Kind.class);

  RebalanceLog() {
    for (Kind k : Kind.values()) {
      counts.put(k, new LongAdder());
    }
  }

  /** Records {@code kind} for {@code plan} in {@code epoch} after {@code step}. */
  void record(Kind kind, long epoch, long step, RebalancePlan plan, long bytes, long ownTokens) {
    add(
        new RebalanceEvent(
            kind,
            epoch,
            step,
            plan.snapshotId(),
            plan.imbalanceBefore(),
            plan.imbalanceAfter(),
            plan.layerImbalanceBefore(),
            plan.layerImbalanceAfter(),
            plan.loads().size(),
            bytes,
            ownTokens,
            System.nanoTime()));
  }

  /** Records that a view change undid {@code loads} switched (layer, slot)s of {@code epoch}. */
  void reverted(long epoch, int loads) {
    add(
        new RebalanceEvent(
            Kind.REVERTED, epoch, -1, -1, 0, 0, 0, 0, loads, 0, 0, System.nanoTime()));
  }

  private void add(RebalanceEvent e) {
    synchronized (events) {
      counts.get(e.kind()).increment();
      if (events.size() == KEPT) {
        events.removeFirst();
      }
      events.addLast(e);
      events.notifyAll();
    }
  }

  /** How many times {@code kind} happened. */
  long count(Kind kind) {
    return counts.get(kind).sum();
  }

  /** Blocks until {@code kind} happened at least {@code n} times; false after {@code timeout}. */
  boolean await(Kind kind, long n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (events) {
      while (count(kind) < n) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(events, left);
      }
      return true;
    }
  }

  /** The last {@value #KEPT} events, in order. */
  List<RebalanceEvent> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }
}
