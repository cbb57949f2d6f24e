package org.eep.api.comm;

import java.util.Arrays;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Slot;

/**
 * What a receiver accepts: messages of epoch {@code >= epoch} from members whose incarnation
 * matches. Derived from the view a rank has learned; {@code incarnations[r]} is -1 for a slot that
 * is not a member (FAILED, LEFT, EMPTY).
 */
public record Fence(long epoch, long[] incarnations) {
  public Fence {
    incarnations = incarnations.clone();
  }

  /** The fence of {@code view}: its epoch, and the incarnation of every ACTIVE or JOINING slot. */
  public static Fence of(MembershipView view) {
    long[] inc = new long[view.maxRanks()];
    for (Slot s : view.slots()) {
      inc[s.rank()] = s.state().isMember() ? s.incarnation() : -1;
    }
    return new Fence(view.epoch(), inc);
  }

  /** A fence before any view: accepts everything from epoch 0 on from any incarnation. */
  public static Fence open(int maxRanks) {
    long[] inc = new long[maxRanks];
    Arrays.fill(inc, Long.MIN_VALUE);
    return new Fence(0, inc);
  }

  /** The incarnation accepted from {@code rank}: -1 if none, {@link Long#MIN_VALUE} if any. */
  public long incarnation(int rank) {
    return rank < incarnations.length ? incarnations[rank] : -1;
  }

  @Override
  public long[] incarnations() {
    return incarnations.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Fence f && f.epoch == epoch && Arrays.equals(f.incarnations, incarnations);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(epoch) * 31 + Arrays.hashCode(incarnations);
  }

  @Override
  public String toString() {
    return "Fence[epoch=" + epoch + ", incarnations=" + Arrays.toString(incarnations) + "]";
  }
}
