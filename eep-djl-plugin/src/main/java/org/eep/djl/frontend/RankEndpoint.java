package org.eep.djl.frontend;

import org.eep.api.membership.Owner;
import org.eep.djl.request.RequestState;

/**
 * What the front end ({@link Router}) needs of a rank: its identity, whether it serves, and a way
 * to hand it a request. Implemented by the in-process rank runtime and by the launcher's handle on
 * a rank process. Thread-safe.
 */
public interface RankEndpoint {
  int rank();

  /** The incarnation this endpoint serves as (0 before it joined). */
  long incarnation();

  /** The owner of requests handed to this incarnation. */
  default Owner owner() {
    return new Owner(rank(), incarnation());
  }

  /** True if the rank believes it is ACTIVE and steps (the router also checks the newest view). */
  boolean serving();

  /**
   * Hands over a request owned by {@code owner}. The rank emits tokens from index {@code
   * alreadyEmitted.length} on through {@link RequestState}; tokens of an owner that no longer owns
   * the request are ignored there.
   */
  void submit(RequestState state, int[] alreadyEmitted, Owner owner);

  /** Logical experts this rank sees without an active replica. */
  int[] uncoveredExperts();
}
