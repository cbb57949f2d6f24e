package org.eep.djl.rank.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eep.api.comm.Transport;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Owner;
import org.eep.djl.rank.RankSetup;

/**
 * What every part of one rank incarnation shares: its setup, transport endpoint, membership handle
 * and life cycle, and the two facts that change as it runs: its incarnation (known once it joined)
 * and the newest view it applied. Written on the rank thread; read from any thread.
 */
final class RankContext {
  private final RankSetup setup;
  private final Transport transport;
  private final MembershipService membership;
  private final Lifecycle lifecycle;
  private volatile long incarnation;
  private volatile MembershipView applied;
  private long settled = -1;

  RankContext(
      RankSetup setup, Transport transport, MembershipService membership, Lifecycle lifecycle) {
    this.setup = requireNonNull(setup, "setup is null");
    this.transport = requireNonNull(transport, "transport is null");
    this.membership = requireNonNull(membership, "membership is null");
    this.lifecycle = requireNonNull(lifecycle, "lifecycle is null");
  }

  int rank() {
    return setup.rank();
  }

  RankSetup setup() {
    return setup;
  }

  Transport transport() {
    return transport;
  }

  MembershipService membership() {
    return membership;
  }

  Lifecycle lifecycle() {
    return lifecycle;
  }

  long incarnation() {
    return incarnation;
  }

  void joined(long inc) {
    incarnation = inc;
  }

  Owner owner() {
    return new Owner(rank(), incarnation);
  }

  /** The newest view this rank applied, or null before it applied one. */
  MembershipView applied() {
    return applied;
  }

  void apply(MembershipView v) {
    applied = requireNonNull(v, "v is null");
  }

  /**
   * Everything of the view of {@code epoch} is applied: connections, transition, routing tables.
   * Wakes {@link #awaitSettled}.
   */
  synchronized void settled(long epoch) {
    settled = Math.max(settled, epoch);
    notifyAll();
  }

  /** The newest epoch whose view is fully applied (-1 before any). */
  synchronized long settledEpoch() {
    return settled;
  }

  /**
   * Waits until a view of epoch {@code >= epoch} is fully applied; false if the timeout passed
   * first.
   */
  synchronized boolean awaitSettled(long epoch, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (settled < epoch) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  /** Active ranks of the applied view other than this one, ascending. */
  int[] peers() {
    return applied.activeRanks().stream().filter(r -> r != rank()).toArray();
  }
}
