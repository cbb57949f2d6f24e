package org.eep.djl.step;

/**
 * Ends a step (or a SYNC) that cannot finish in its epoch: a peer failed, a deadline passed without
 * a view change, or a newer epoch was fenced in. The rank waits for the next view and re-runs from
 * the step the next SYNC agrees on. Carries no stack trace.
 */
public final class StepAbortedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StepAbortedException(String why) {
    super(why, null, false, false);
  }
}
