package org.eep.djl.runtime;

/**
 * Receives a request's tokens as they are produced: each index exactly once, in order, even when
 * the request moves to another rank after a failure. Called on a rank thread; must return quickly.
 */
@FunctionalInterface
public interface TokenListener {
  void onToken(String requestId, int index, int token);

  /** True if this listener also wants each token's logits (costs a copy of the vocabulary row per token). */
  default boolean wantsLogits() {
    return false;
  }

  /** The logits token {@code index} was chosen from; called just before {@link #onToken} for that index. */
  default void onLogits(String requestId, int index, float[] logits) {}

  TokenListener NONE = (id, i, t) -> {};
}
