package org.eep.api.membership;

/**
 * Who owns a piece of work: one incarnation of one rank slot. Work handed to an owner is valid only
 * while that incarnation holds the slot; a later incarnation of the same rank is another owner.
 * Immutable.
 */
public record Owner(int rank, long incarnation) {
  public Owner {
    if (rank < 0) {
      throw new IllegalArgumentException("rank < 0: " + rank);
    }
    if (incarnation < 0) {
      throw new IllegalArgumentException("incarnation < 0: " + incarnation);
    }
  }

  /** The owner that currently holds {@code slot}. */
  public static Owner of(Slot slot) {
    return new Owner(slot.rank(), slot.incarnation());
  }

  /** True if {@code view} shows this incarnation ACTIVE in its slot. */
  public boolean isActiveIn(MembershipView view) {
    Slot s = view.slot(rank);
    return s.state() == SlotState.ACTIVE && s.incarnation() == incarnation;
  }

  @Override
  public String toString() {
    return "rank " + rank + " incarnation " + incarnation;
  }
}
