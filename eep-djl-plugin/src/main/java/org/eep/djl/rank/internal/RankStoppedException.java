package org.eep.djl.rank.internal;

/**
 * Unwinds the rank thread once its incarnation reached a terminal state (killed, stopped, evicted).
 * Carries no stack trace.
 */
public final class RankStoppedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RankStoppedException() {
    super(null, null, false, false);
  }
}
