package org.eep.djl.rank;

/**
 * Fault-injection points in a rank's step, for tests and the demo driver: a hook may kill or freeze
 * the rank there. Installed as a decorator of the step's exchange, so the step itself knows nothing
 * of it. The default does nothing. Called on the rank thread.
 */
public interface StepHooks {
  /** Where in a step a hook is called. */
  enum Point {
    /** Between steps, before the step's first message. */
    BEFORE_STEP,
    /** In a layer's dispatch, after the messages to the first half of the peers were sent. */
    MID_DISPATCH,
    /** In a layer's combine, after the messages to the first half of the peers were sent. */
    MID_COMBINE
  }

  void at(Point point, int rank, long step, int layer);

  StepHooks NONE = (p, r, s, l) -> {};
}
