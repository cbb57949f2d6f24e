package org.eep.api.comm;

/** What a data-plane message is for. Its ordinal is its wire code. */
public enum Phase {
  /** Tokens sent to the ranks holding their experts. */
  DISPATCH,
  /** Expert outputs sent back to the tokens' owners. */
  COMBINE,
  /** The first exchange of an epoch: agree on the step to resume from. */
  SYNC,
  /** Expert weights copied between peers during repair and rejoin. */
  WEIGHTS,
  /** Anything else between ranks (requests handed over, placements). */
  CONTROL,
  /**
   * A liveness probe: never delivered to a receive; the receiving transport answers it with {@link
   * #PROBE_ACK} from its I/O path, whatever the receiving rank's own threads are doing.
   */
  PROBE,
  /**
   * The answer to a {@link #PROBE}: never delivered to a receive, it only proves the sender alive.
   */
  PROBE_ACK;

  private static final Phase[] VALUES = values();

  /** The phase with wire code {@code code}, or null if none. */
  public static Phase ofCode(int code) {
    return code >= 0 && code < VALUES.length ? VALUES[code] : null;
  }
}
