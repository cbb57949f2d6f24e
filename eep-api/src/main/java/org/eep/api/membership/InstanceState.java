package org.eep.api.membership;

/** Whether the instance as a whole can serve. */
public enum InstanceState {
  /** Serving (possibly with some slots masked). */
  SERVING,
  /** Terminal: the {@code static} provider puts the instance here on its first failure. */
  FAILED
}
