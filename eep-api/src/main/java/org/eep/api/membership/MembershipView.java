package org.eep.api.membership;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Immutable membership of an instance at one epoch. Epochs strictly increase: each committed change
 * produces a view with {@code epoch + 1}. Every rank applies views in epoch order, between steps.
 * {@code cause} says why this view was committed (for logs and timelines).
 */
public record MembershipView(long epoch, InstanceState state, List<Slot> slots, String cause) {
  public MembershipView {
    requireNonNull(state, "state is null");
    requireNonNull(cause, "cause is null");
    slots = List.copyOf(requireNonNull(slots, "slots is null"));
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch < 0: " + epoch);
    }
    for (int i = 0; i < slots.size(); i++) {
      if (slots.get(i).rank() != i) {
        throw new IllegalArgumentException("slot " + i + " has rank " + slots.get(i).rank());
      }
    }
  }

  /** Epoch 0: {@code maxRanks} empty slots. */
  public static MembershipView initial(int maxRanks) {
    return new MembershipView(
        0,
        InstanceState.SERVING,
        IntStream.range(0, maxRanks).mapToObj(Slot::empty).toList(),
        "initial");
  }

  public int maxRanks() {
    return slots.size();
  }

  public Slot slot(int rank) {
    return slots.get(rank);
  }

  public boolean isActive(int rank) {
    return slots.get(rank).state() == SlotState.ACTIVE;
  }

  /** Ranks in state ACTIVE, ascending. */
  public BitSet activeRanks() {
    BitSet b = new BitSet(slots.size());
    slots.stream().filter(s -> s.state() == SlotState.ACTIVE).forEach(s -> b.set(s.rank()));
    return b;
  }

  public int activeCount() {
    return (int) slots.stream().filter(s -> s.state() == SlotState.ACTIVE).count();
  }

  /** The next view: epoch + 1, slot {@code replacement.rank()} replaced. */
  public MembershipView next(Slot replacement, String why) {
    List<Slot> copy = new ArrayList<>(slots);
    copy.set(replacement.rank(), replacement);
    return new MembershipView(epoch + 1, state, copy, why);
  }

  /** The next view: epoch + 1, instance state changed. */
  public MembershipView next(InstanceState newState, String why) {
    return new MembershipView(epoch + 1, newState, slots, why);
  }

  /** Compact form for logs: {@code e7[A A F J]}. */
  public String summary() {
    StringBuilder sb =
        new StringBuilder("e")
            .append(epoch)
            .append(state == InstanceState.FAILED ? " FAILED[" : "[");
    for (int i = 0; i < slots.size(); i++) {
      sb.append(i == 0 ? "" : " ").append(slots.get(i).state().name().charAt(0));
    }
    return sb.append(']').toString();
  }
}
