package org.eep.api.membership;

import static java.util.Objects.requireNonNull;

/**
 * One rank slot in a view. A rank is its slot index for life; {@code incarnation} counts the
 * processes that have taken the slot (0 = never taken); {@code address} is the data-plane address
 * the current incarnation published (empty when none).
 */
public record Slot(int rank, SlotState state, long incarnation, String address) {
  public Slot {
    requireNonNull(state, "state is null");
    requireNonNull(address, "address is null");
    if (rank < 0) {
      throw new IllegalArgumentException("rank < 0: " + rank);
    }
    if (incarnation < 0) {
      throw new IllegalArgumentException("incarnation < 0: " + incarnation);
    }
  }

  public static Slot empty(int rank) {
    return new Slot(rank, SlotState.EMPTY, 0, "");
  }

  public Slot withState(SlotState newState) {
    return new Slot(rank, newState, incarnation, address);
  }
}
