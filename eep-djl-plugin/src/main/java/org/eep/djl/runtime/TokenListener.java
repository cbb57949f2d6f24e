package org.eep.djl.runtime;

/**
 * Receives a request's tokens as they are produced: each index exactly once, in order, even when
 * the request moves to another rank after a failure. Called on a rank thread; must return quickly.
 */
@FunctionalInterface
public interface TokenListener {
  void onToken(String requestId, int index, int token);

  TokenListener NONE = (id, i, t) -> {};
}
