package org.eep.djl.rank.internal;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.IntFunction;
import org.eep.api.comm.Phase;
import org.eep.djl.rank.StepHooks;
import org.eep.djl.step.Exchange;
import org.eep.djl.step.ExchangePoint;

/**
 * Fault injection as a decorator of the step's exchange: calls the {@link StepHooks} before a
 * step's first message ({@link StepHooks.Point#BEFORE_STEP}, at the first layer's dispatch) and in
 * the middle of each dispatch and combine, after the messages to the first half of the peers went
 * out (after all of them with fewer than two peers). Used by the rank thread.
 */
final class FaultPointExchange implements Exchange {
  private final Exchange delegate;
  private final StepHooks hooks;
  private final int rank;

  FaultPointExchange(Exchange delegate, StepHooks hooks, int rank) {
    this.delegate = requireNonNull(delegate, "delegate is null");
    this.hooks = requireNonNull(hooks, "hooks is null");
    this.rank = rank;
  }

  @Override
  public void sendAll(
      ExchangePoint at, Phase phase, int[] peers, IntFunction<ByteBuffer[]> payloadFor) {
    StepHooks.Point mid =
        phase == Phase.DISPATCH
            ? StepHooks.Point.MID_DISPATCH
            : phase == Phase.COMBINE ? StepHooks.Point.MID_COMBINE : null;
    if (mid == null) {
      delegate.sendAll(at, phase, peers, payloadFor);
      return;
    }
    if (mid == StepHooks.Point.MID_DISPATCH && at.layer() == 0) {
      hooks.at(StepHooks.Point.BEFORE_STEP, rank, at.step(), -1);
    }
    int half = peers.length < 2 ? peers.length : peers.length / 2;
    delegate.sendAll(at, phase, Arrays.copyOfRange(peers, 0, half), payloadFor);
    hooks.at(mid, rank, at.step(), at.layer());
    delegate.sendAll(at, phase, Arrays.copyOfRange(peers, half, peers.length), payloadFor);
  }

  @Override
  public ByteBuffer receive(ExchangePoint at, Phase phase, int peer) throws InterruptedException {
    return delegate.receive(at, phase, peer);
  }
}
