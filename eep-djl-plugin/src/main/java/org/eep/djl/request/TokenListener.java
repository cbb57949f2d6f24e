package org.eep.djl.request;

import org.eep.api.membership.Owner;

/**
 * Receives a request's tokens as they are produced: each index exactly once, in order, even when
 * the request moves to another rank after a failure. Called on a rank thread (or, for a rank
 * process, on the thread reading its stream); must return quickly.
 */
@FunctionalInterface
public interface TokenListener {
  /** Token {@code index} of request {@code requestId}, computed by {@code owner}. */
  void onToken(String requestId, int index, int token, Owner owner);

  /**
   * True if this listener also wants each token's logits (costs a copy of the vocabulary row per
   * token).
   */
  default boolean wantsLogits() {
    return false;
  }

  /**
   * The logits token {@code index} was chosen from; called just before {@link #onToken} for that
   * index.
   */
  default void onLogits(String requestId, int index, float[] logits) {}

  TokenListener NONE = (id, i, t, owner) -> {};
}
