package org.eep.membership.zookeeper.internal;

import static java.util.Objects.requireNonNull;

/**
 * The coordinator's answer to a join, activate or leave, written into the request znode in the
 * same transaction as the view it produced (if any).
 *
 * @param status the outcome
 * @param value the new incarnation (join) or the epoch of the view that answered (activate, leave)
 * @param message why the request was refused (empty when accepted)
 */
record Reply(Status status, long value, String message) {
  /** Outcome of a request. */
  public enum Status {
    /** Done. */
    OK,
    /** Refused for good (slot taken, wrong state). */
    REFUSED,
    /** Refused because the requester's view was stale; ask again with a fresh one. */
    RETRY
  }

  public Reply {
    requireNonNull(status, "status is null");
    requireNonNull(message, "message is null");
  }

  static Reply ok(long value) {
    return new Reply(Status.OK, value, "");
  }

  static Reply refused(String message) {
    return new Reply(Status.REFUSED, -1, message);
  }

  static Reply retry(String message) {
    return new Reply(Status.RETRY, -1, message);
  }
}
