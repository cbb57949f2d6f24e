package org.eep.djl.step;

import java.nio.ByteBuffer;

/**
 * What rides along with a step besides tokens: a control word every active rank sends every peer in
 * the step's first exchange (so each rank that completes step {@code s} has seen every peer's word
 * of {@code s}), and the routing choices as they are made. The rebalancing protocol is built on it.
 * Called on the rank thread during {@link EpStep#run}.
 */
public interface StepControl {
  /** This rank's control word for step {@code step} (read-only; may be empty). */
  ByteBuffer outgoing(long step);

  /** Peer {@code peer}'s control word for step {@code step}. */
  void received(long step, int peer, ByteBuffer control);

  /** The top-k expert ids layer {@code layer} chose for this rank's tokens, row-major. */
  void routed(int layer, int[] chosen);
}
