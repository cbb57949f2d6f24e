package org.eep.djl.step;

import java.nio.ByteBuffer;
import java.util.function.IntFunction;
import org.eep.api.comm.Phase;

/**
 * How a step talks to its peers: in each phase one message to every active peer and one from each.
 * The runtime's implementation adds deadlines, evidence of failure and epoch checks, and ends a
 * step that cannot finish in its epoch by throwing {@link StepAbortedException}; fault injection
 * decorates it.
 *
 * <p>Threading: used by one rank thread.
 */
public interface Exchange {

  /**
   * Sends one message of {@code phase} at {@code at} to each of {@code peers}, in order; {@code
   * payloadFor} makes each one's payload.
   */
  void sendAll(ExchangePoint at, Phase phase, int[] peers, IntFunction<ByteBuffer[]> payloadFor);

  /**
   * Waits for the message of {@code phase} at {@code at} from {@code peer}; returns its payload
   * (little-endian).
   */
  ByteBuffer receive(ExchangePoint at, Phase phase, int peer) throws InterruptedException;
}
