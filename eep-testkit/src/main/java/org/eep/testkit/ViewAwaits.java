package org.eep.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.SlotState;

/**
 * Waits on membership views for tests of providers and of what runs on them: event-driven, with
 * liveness bounds only.
 */
public final class ViewAwaits {
  /** How long a view that must come may take. Generous: CI machines are slow and shared. */
  public static final Duration PATIENCE = Duration.ofSeconds(60);

  private ViewAwaits() {}

  /**
   * The first view {@code s} learns in which slot {@code rank} is in {@code state}; fails the test
   * after {@link #PATIENCE}.
   */
  public static MembershipView awaitSlot(MembershipService s, int rank, SlotState state)
      throws InterruptedException {
    try {
      return s.awaitView(v -> v.slot(rank).state() == state, PATIENCE);
    } catch (TimeoutException e) {
      assertThat(s.currentView().slot(rank).state())
          .as("slot %d in %s", rank, s.currentView().summary())
          .isEqualTo(state);
      throw new AssertionError(e);
    }
  }
}
