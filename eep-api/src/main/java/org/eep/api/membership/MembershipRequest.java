package org.eep.api.membership;

import static java.util.Objects.requireNonNull;

/**
 * What a handle asks of the instance's coordinator. Every coordinator turns requests into views
 * with the same {@link MembershipRules}. Immutable.
 */
public sealed interface MembershipRequest {

  /**
   * Take slot {@code rank} as incarnation {@code incarnation} (the slot's current one + 1),
   * publishing {@code address}.
   */
  record Join(int rank, long incarnation, String address) implements MembershipRequest {
    public Join {
      requireNonNull(address, "address is null");
    }
  }

  /** Make the JOINING incarnation ACTIVE. */
  record Activate(int rank, long incarnation) implements MembershipRequest {}

  /** Leave the slot on purpose (state LEFT). */
  record Leave(int rank, long incarnation) implements MembershipRequest {}

  /** Evidence against a rank; answered only by a view, or not at all. */
  record Report(Evidence evidence) implements MembershipRequest {
    public Report {
      requireNonNull(evidence, "evidence is null");
    }
  }
}
