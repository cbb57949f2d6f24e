package org.eep.membership.zookeeper.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Slot;
import org.eep.api.membership.SlotState;
import org.junit.jupiter.api.Test;

class TransitionsTest {
  private static final Transitions.Liveness ALIVE = (rank, inc) -> true;
  private static final Transitions.Liveness GONE = (rank, inc) -> false;
  private final MembershipView formed = MembershipView.initial(3)
      .next(new Slot(0, SlotState.ACTIVE, 1, "a0"), "x")
      .next(new Slot(1, SlotState.ACTIVE, 1, "a1"), "x")
      .next(new Slot(2, SlotState.FAILED, 4, "a2"), "x");

  @Test
  void joinTakesTheNextIncarnationOfAFreeSlotOnly() throws Exception {
    Transitions.Decision ok = Transitions.decide(formed, new Request.Join(2, 5, "new"), ALIVE);
    assertThat(ok.reply()).contains(Reply.ok(5));
    assertThat(ok.next().orElseThrow().slot(2)).isEqualTo(new Slot(2, SlotState.JOINING, 5, "new"));
    assertThat(ok.next().orElseThrow().epoch()).isEqualTo(formed.epoch() + 1);

    Transitions.Decision taken = Transitions.decide(formed, new Request.Join(1, 2, "intruder"), ALIVE);
    assertThat(taken.next()).isEmpty();
    assertThat(taken.reply().orElseThrow().status()).isEqualTo(Reply.Status.REFUSED);
    assertThat(taken.reply().orElseThrow().message()).isEqualTo("Slot 1 is ACTIVE (incarnation 1); it cannot be joined");

    Transitions.Decision stale = Transitions.decide(formed, new Request.Join(2, 4, "late"), ALIVE);
    assertThat(stale.next()).isEmpty();
    assertThat(stale.reply().orElseThrow().status()).isEqualTo(Reply.Status.RETRY);
  }

  @Test
  void evidenceAgainstAStaleIncarnationOrANonMemberIsDropped() throws Exception {
    assertThat(Transitions.decide(formed, new Request.Report(new Evidence.TransportError(1, 7, 0, "")), GONE))
        .isEqualTo(Transitions.Decision.drop());
    assertThat(Transitions.decide(formed, new Request.Report(new Evidence.TransportError(2, 4, 0, "")), GONE))
        .isEqualTo(Transitions.Decision.drop());
    assertThat(Transitions.decide(formed, new Request.Report(new Evidence.TransportError(9, 1, 0, "")), GONE))
        .isEqualTo(Transitions.Decision.drop());
  }

  @Test
  void aDeadlineMissEvictsOnlyWhenTheSuspectsSessionIsGone() throws Exception {
    Request miss = new Request.Report(new Evidence.DeadlineMiss(1, 1, 0, "slow"));
    assertThat(Transitions.decide(formed, miss, ALIVE)).isEqualTo(Transitions.Decision.drop());
    Transitions.Decision evict = Transitions.decide(formed, miss, GONE);
    assertThat(evict.next().orElseThrow().slot(1).state()).isEqualTo(SlotState.FAILED);
    assertThat(evict.reply()).isEmpty();
  }

  @Test
  void aMemberWithoutALiveZnodeIsSweptOut() {
    assertThat(Transitions.sweep(formed, Set.of("r0-i1", "r1-i1"))).isEmpty();
    MembershipView swept = Transitions.sweep(formed, Set.of("r0-i1", "r1-i0")).orElseThrow();
    assertThat(swept.slot(1).state()).isEqualTo(SlotState.FAILED);
    assertThat(swept.cause()).contains("session of incarnation 1 expired");
  }

  @Test
  void activateAndLeaveNeedTheCurrentIncarnation() throws Exception {
    MembershipView joining = formed.next(new Slot(2, SlotState.JOINING, 5, "a2"), "x");
    Transitions.Decision active = Transitions.decide(joining, new Request.Activate(2, 5), ALIVE);
    assertThat(active.next().orElseThrow().slot(2).state()).isEqualTo(SlotState.ACTIVE);
    assertThat(active.reply()).contains(Reply.ok(joining.epoch() + 1));
    assertThat(Transitions.decide(joining, new Request.Activate(2, 4), ALIVE).reply().orElseThrow().status())
        .isEqualTo(Reply.Status.REFUSED);

    Transitions.Decision left = Transitions.decide(formed, new Request.Leave(0, 1), ALIVE);
    assertThat(left.next().orElseThrow().slot(0).state()).isEqualTo(SlotState.LEFT);
    assertThat(Transitions.decide(formed, new Request.Leave(0, 2), ALIVE).next()).isEmpty();
  }
}
