package org.eep.djl.runtime;

/**
 * What the front end ({@link Router}) needs of a rank: its identity, whether it serves, and a way
 * to hand it a request. Implemented by {@link RankRuntime} for ranks in this JVM and by a remote
 * handle for rank processes. Thread-safe.
 */
public interface RankEndpoint {
  int rank();

  /** The incarnation this endpoint serves as (0 before it joined). */
  long incarnation();

  /** True if the rank believes it is ACTIVE and steps (the router also checks the newest view). */
  boolean serving();

  /**
   * Hands over a request owned by {@code ownerKey} (rank and incarnation). The rank emits tokens
   * from index {@code alreadyEmitted.length} on through {@link RequestState}; tokens of an owner
   * that no longer owns the request are ignored there.
   */
  void submit(RequestState state, int[] alreadyEmitted, long ownerKey);

  /** Logical experts this rank sees without an active replica. */
  int[] uncoveredExperts();

  /** The owner key of requests handed to this incarnation. */
  default long ownerKey() {
    return ((long) rank() << 32) | incarnation();
  }
}
