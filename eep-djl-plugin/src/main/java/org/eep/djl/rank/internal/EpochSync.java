package org.eep.djl.rank.internal;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.util.OptionalLong;
import org.eep.api.comm.Phase;
import org.eep.api.membership.MembershipView;
import org.eep.djl.step.Exchange;
import org.eep.djl.step.ExchangePoint;
import org.eep.djl.step.StepAbortedException;
import org.eep.djl.wire.SyncCodec;

/**
 * The first exchange of every epoch: each active rank sends the step it would run next to every
 * active peer, and all resume from the smallest (a rank that had already completed it re-runs it).
 * Used by the rank thread.
 */
final class EpochSync {
  private final int rank;
  private final Exchange exchange;

  EpochSync(int rank, Exchange exchange) {
    this.rank = rank;
    this.exchange = requireNonNull(exchange, "exchange is null");
  }

  /**
   * The step every active rank of {@code view} resumes from, given this rank's {@code nextStep} (-1
   * before its first step; 0 if nobody has stepped); empty if the epoch ended meanwhile.
   */
  OptionalLong agree(MembershipView view, long nextStep) throws InterruptedException {
    int[] peers = view.activeRanks().stream().filter(r -> r != rank).toArray();
    ExchangePoint at = new ExchangePoint(view.epoch(), 0, 0);
    long resume = nextStep;
    try {
      exchange.sendAll(at, Phase.SYNC, peers, p -> new ByteBuffer[] {SyncCodec.encode(nextStep)});
      for (int p : peers) {
        long theirs = SyncCodec.decode(exchange.receive(at, Phase.SYNC, p));
        if (theirs >= 0) {
          resume = resume < 0 ? theirs : Math.min(resume, theirs);
        }
      }
    } catch (StepAbortedException e) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Math.max(resume, 0));
  }
}
