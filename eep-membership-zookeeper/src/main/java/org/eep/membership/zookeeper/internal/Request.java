package org.eep.membership.zookeeper.internal;

import static java.util.Objects.requireNonNull;

import org.eep.api.membership.Evidence;

/**
 * What a handle asks of the coordinator; stored as a sequential znode under {@code requests/} so
 * that a leader that dies leaves it for the next one. Immutable.
 */
sealed interface Request {

  /** Take slot {@code rank} as its incarnation {@code incarnation} (the slot's current one + 1). */
  record Join(int rank, long incarnation, String address) implements Request {
    public Join {
      requireNonNull(address, "address is null");
    }
  }

  /** Make the JOINING incarnation ACTIVE. */
  record Activate(int rank, long incarnation) implements Request {}

  /** Leave the slot on purpose. */
  record Leave(int rank, long incarnation) implements Request {}

  /** Evidence against a rank; answered only by a view (or not at all). */
  record Report(Evidence evidence) implements Request {
    public Report {
      requireNonNull(evidence, "evidence is null");
    }
  }
}
