package org.eep.djl.rank.internal;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import org.eep.api.comm.EpochChangedException;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.MessageKey;
import org.eep.api.comm.PeerFailedException;
import org.eep.api.comm.Phase;
import org.eep.api.comm.ReceiveTimeoutException;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportException;
import org.eep.djl.step.Exchange;
import org.eep.djl.step.ExchangePoint;
import org.eep.djl.step.StepAbortedException;

/**
 * The step's exchange over the rank's transport: headers carry this rank and incarnation; every
 * receive has a deadline, whose misses become suspicion ({@link PeerHealth}) while the wait goes on
 * until the message, a transport error (confirmed failure), or a newer epoch ends it. A step that
 * cannot finish in its epoch is ended with {@link StepAbortedException}; a rank that is stopping,
 * with {@link RankStoppedException}. Used by the rank thread.
 */
final class TransportExchange implements Exchange {
  private final int rank;
  private final LongSupplier incarnation;
  private final Transport transport;
  private final PeerHealth health;
  private final Lifecycle lifecycle;
  private final Duration deadline;

  TransportExchange(
      int rank,
      LongSupplier incarnation,
      Transport transport,
      PeerHealth health,
      Lifecycle lifecycle,
      Duration deadline) {
    this.rank = rank;
    this.incarnation = requireNonNull(incarnation, "incarnation is null");
    this.transport = requireNonNull(transport, "transport is null");
    this.health = requireNonNull(health, "health is null");
    this.lifecycle = requireNonNull(lifecycle, "lifecycle is null");
    this.deadline = requireNonNull(deadline, "deadline is null");
  }

  @Override
  public void sendAll(
      ExchangePoint at, Phase phase, int[] peers, IntFunction<ByteBuffer[]> payloadFor) {
    for (int peer : peers) {
      send(at, phase, peer, payloadFor.apply(peer));
    }
  }

  void send(ExchangePoint at, Phase phase, int peer, ByteBuffer[] payload) {
    checkRunning();
    if (!health.usable(peer)) {
      throw new StepAbortedException("rank " + peer + " failed");
    }
    try {
      transport.send(
          peer,
          new MessageHeader(
              rank, incarnation.getAsLong(), at.epoch(), at.step(), at.layer(), phase, 0),
          payload);
    } catch (TransportException e) {
      // A rank stopped while it sent (its own endpoint closed under it) has nothing to report.
      checkRunning();
      health.confirmedFailure(peer, e.getMessage());
      throw new StepAbortedException("send to rank " + peer + " failed");
    }
  }

  @Override
  public ByteBuffer receive(ExchangePoint at, Phase phase, int peer) throws InterruptedException {
    MessageKey key = new MessageKey(peer, at.epoch(), at.step(), at.layer(), phase, 0);
    while (true) {
      checkRunning();
      if (!health.usable(peer)) {
        throw new StepAbortedException("rank " + peer + " failed");
      }
      boolean counted = health.acquire(peer);
      long t0 = System.nanoTime();
      try {
        ByteBuffer payload = transport.receive(key, deadline).payload();
        if (counted) {
          health.delivered(peer, System.nanoTime() - t0);
        }
        return payload;
      } catch (ReceiveTimeoutException e) {
        if (counted) {
          health.missed(peer, System.nanoTime() - t0, e);
        }
      } catch (EpochChangedException e) {
        release(counted, peer);
        throw new StepAbortedException("epoch " + at.epoch() + " ended");
      } catch (PeerFailedException e) {
        release(counted, peer);
        health.confirmedFailure(peer, e.getMessage());
        throw new StepAbortedException("rank " + peer + " failed");
      } catch (RuntimeException | InterruptedException e) {
        release(counted, peer);
        throw e;
      }
    }
  }

  private void release(boolean counted, int peer) {
    if (counted) {
      health.released(peer);
    }
  }

  private void checkRunning() {
    if (lifecycle.stopping()) {
      throw new RankStoppedException();
    }
  }
}
