package org.eep.djl.rank;

/**
 * The life cycle of one rank incarnation, one explicit state:
 *
 * <pre>
 * NEW ──start──▶ FORMING ──activated──▶ SERVING
 *  │               │                      │
 *  └───────────────┴──────────────────────┴──▶ STOPPED | KILLED | EVICTED | FAILED
 * </pre>
 *
 * The last four are terminal: an incarnation never serves again (a rank serves again as a new
 * incarnation, in a new runtime).
 */
public enum RankState {
  /** Created, its thread not started. */
  NEW,
  /** Joining its slot, loading weights, connecting, warming up; not yet ACTIVE. */
  FORMING,
  /** ACTIVE in a formed instance and stepping. */
  SERVING,
  /** Closed on purpose (it left its slot, unless killed or evicted before). */
  STOPPED,
  /** Killed abruptly, as by {@code kill -9}: no leave, connections dropped, heartbeats stopped. */
  KILLED,
  /**
   * Found itself FAILED or replaced in a view while alive (a frozen process thawed); it must rejoin
   * as a new incarnation.
   */
  EVICTED,
  /** Stopped by an error of its own, or because the instance FAILED. */
  FAILED;

  /** True for the states an incarnation never leaves. */
  public boolean isTerminal() {
    return this == STOPPED || this == KILLED || this == EVICTED || this == FAILED;
  }
}
