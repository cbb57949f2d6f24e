package org.eep.api.membership;

/** Life-cycle state of one rank slot. */
public enum SlotState {
  /** Never taken. */
  EMPTY,
  /** Taken by a process that is loading and warming up; receives no traffic yet. */
  JOINING,
  /** Serving: takes part in every step. */
  ACTIVE,
  /** Declared dead on evidence; masked everywhere. Its process must rejoin as a new incarnation. */
  FAILED,
  /** Left on purpose. */
  LEFT;

  /** True for states whose process is expected to be alive and connected. */
  public boolean isMember() {
    return this == ACTIVE || this == JOINING;
  }
}
