package org.eep.api.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.eep.api.membership.MembershipRules.Answer;
import org.eep.api.membership.MembershipRules.Decision;
import org.junit.jupiter.api.Test;

class MembershipRulesTest {
  private static final MembershipRules RULES = MembershipRules.elastic();
  private static final MembershipRules.Liveness ALIVE = (rank, inc) -> true;
  private static final MembershipRules.Liveness GONE = (rank, inc) -> false;
  private final MembershipView formed =
      MembershipView.initial(3)
          .next(new Slot(0, SlotState.ACTIVE, 1, "a0"), "x")
          .next(new Slot(1, SlotState.ACTIVE, 1, "a1"), "x")
          .next(new Slot(2, SlotState.FAILED, 4, "a2"), "x");

  @Test
  void joinTakesTheNextIncarnationOfAFreeSlotOnly() throws Exception {
    Decision ok = RULES.decide(formed, new MembershipRequest.Join(2, 5, "new"), ALIVE);
    assertThat(ok.answer()).contains(Answer.ok(5));
    assertThat(ok.next().orElseThrow().slot(2)).isEqualTo(new Slot(2, SlotState.JOINING, 5, "new"));
    assertThat(ok.next().orElseThrow().epoch()).isEqualTo(formed.epoch() + 1);

    Decision taken = RULES.decide(formed, new MembershipRequest.Join(1, 2, "intruder"), ALIVE);
    assertThat(taken.next()).isEmpty();
    assertThat(taken.answer().orElseThrow().status()).isEqualTo(Answer.Status.REFUSED);
    assertThat(taken.answer().orElseThrow().message())
        .isEqualTo("Slot 1 is ACTIVE (incarnation 1); it cannot be joined");

    Decision stale = RULES.decide(formed, new MembershipRequest.Join(2, 4, "late"), ALIVE);
    assertThat(stale.next()).isEmpty();
    assertThat(stale.answer().orElseThrow().status()).isEqualTo(Answer.Status.RETRY);
  }

  @Test
  void evidenceAgainstAStaleIncarnationOrANonMemberIsDropped() throws Exception {
    assertThat(
            RULES.decide(
                formed,
                new MembershipRequest.Report(new Evidence.TransportError(1, 7, 0, "")),
                GONE))
        .isEqualTo(Decision.drop());
    assertThat(
            RULES.decide(
                formed,
                new MembershipRequest.Report(new Evidence.TransportError(2, 4, 0, "")),
                GONE))
        .isEqualTo(Decision.drop());
    assertThat(
            RULES.decide(
                formed,
                new MembershipRequest.Report(new Evidence.TransportError(9, 1, 0, "")),
                GONE))
        .isEqualTo(Decision.drop());
  }

  @Test
  void evidenceFromARankThatIsNoLongerAMemberIsDropped() throws Exception {
    assertThat(
            RULES.decide(
                formed,
                new MembershipRequest.Report(
                    new Evidence.TransportError(0, 1, 2, "an evicted process still running")),
                GONE))
        .isEqualTo(Decision.drop());
    assertThat(
            RULES
                .decide(
                    formed,
                    new MembershipRequest.Report(
                        new Evidence.TransportError(0, 1, -1, "coordinator")),
                    GONE)
                .next())
        .as("the coordinator's own evidence")
        .isPresent();
  }

  @Test
  void aDeadlineMissEvictsOnlyWhenTheSuspectsSessionIsGone() throws Exception {
    MembershipRequest miss =
        new MembershipRequest.Report(new Evidence.DeadlineMiss(1, 1, 0, "slow"));
    assertThat(RULES.decide(formed, miss, ALIVE)).isEqualTo(Decision.drop());
    Decision evict = RULES.decide(formed, miss, GONE);
    assertThat(evict.next().orElseThrow().slot(1).state()).isEqualTo(SlotState.FAILED);
    assertThat(evict.answer()).isEmpty();
  }

  @Test
  void aFailedProbeEvictsALiveSessionOnlyOnceMoreThanHalfOfTheSuspectsPeersWitnessedIt()
      throws Exception {
    MembershipView four =
        MembershipView.initial(5)
            .next(new Slot(0, SlotState.ACTIVE, 1, "a0"), "x")
            .next(new Slot(1, SlotState.ACTIVE, 1, "a1"), "x")
            .next(new Slot(2, SlotState.JOINING, 1, "a2"), "x")
            .next(new Slot(3, SlotState.ACTIVE, 2, "a3"), "x")
            .next(new Slot(4, SlotState.FAILED, 1, "a4"), "x");
    MembershipRequest probe =
        new MembershipRequest.Report(new Evidence.ProbeFailed(3, 2, 0, "silent for 600 ms"));
    assertThat(RULES.decide(four, probe, witnessed(0))).isEqualTo(Decision.drop());
    assertThat(RULES.decide(four, probe, witnessed(0, 4, 3)))
        .as("a non-member and the suspect itself are no witnesses")
        .isEqualTo(Decision.drop());
    MembershipView evicted = RULES.decide(four, probe, witnessed(0, 2)).next().orElseThrow();
    assertThat(evicted.slot(3).state()).isEqualTo(SlotState.FAILED);
    assertThat(evicted.cause())
        .isEqualTo(
            "rank 3 failed: ProbeFailed from ranks [0, 2] of its 3 peers (silent for 600 ms)");
    assertThat(RULES.decide(four, probe, (rank, inc) -> false).next())
        .as("no majority, but the session is gone")
        .isPresent();
  }

  @Test
  void oneWitnessNeverEvictsEvenWhenItIsTheSuspectsOnlyPeer() throws Exception {
    MembershipView two =
        MembershipView.initial(2)
            .next(new Slot(0, SlotState.ACTIVE, 1, "a0"), "x")
            .next(new Slot(1, SlotState.ACTIVE, 1, "a1"), "x");
    MembershipRequest probe =
        new MembershipRequest.Report(new Evidence.ProbeFailed(1, 1, 0, "silent for 600 ms"));
    assertThat(RULES.decide(two, probe, witnessed(0))).isEqualTo(Decision.drop());
  }

  /** Alive by session, with {@code ranks} as the probe witnesses. */
  private static MembershipRules.Liveness witnessed(int... ranks) {
    ProbeWitnesses w = new ProbeWitnesses(Duration.ofSeconds(1));
    for (int r : ranks) {
      w.record(new Evidence.ProbeFailed(3, 2, r, "silent"), 0);
      w.record(new Evidence.ProbeFailed(1, 1, r, "silent"), 0);
    }
    return ALIVE.withWitnesses(w);
  }

  @Test
  void aMemberTheCoordinatorFindsDeadIsSweptOut() {
    assertThat(RULES.sweep(formed, s -> lost(s, Set.of("r0-i1", "r1-i1")))).isEmpty();
    MembershipView swept =
        RULES.sweep(formed, s -> lost(s, Set.of("r0-i1", "r1-i0"))).orElseThrow();
    assertThat(swept.slot(1).state()).isEqualTo(SlotState.FAILED);
    assertThat(swept.cause()).isEqualTo("rank 1 failed: session of incarnation 1 expired");
  }

  private static Optional<String> lost(Slot s, Set<String> live) {
    String name = "r" + s.rank() + "-i" + s.incarnation();
    return live.contains(name)
        ? Optional.empty()
        : Optional.of("session of incarnation " + s.incarnation() + " expired");
  }

  @Test
  void activateAndLeaveNeedTheCurrentIncarnation() throws Exception {
    MembershipView joining = formed.next(new Slot(2, SlotState.JOINING, 5, "a2"), "x");
    Decision active = RULES.decide(joining, new MembershipRequest.Activate(2, 5), ALIVE);
    assertThat(active.next().orElseThrow().slot(2).state()).isEqualTo(SlotState.ACTIVE);
    assertThat(active.answer()).contains(Answer.ok(joining.epoch() + 1));
    assertThat(
            RULES
                .decide(joining, new MembershipRequest.Activate(2, 4), ALIVE)
                .answer()
                .orElseThrow()
                .status())
        .isEqualTo(Answer.Status.REFUSED);

    Decision left = RULES.decide(formed, new MembershipRequest.Leave(0, 1), ALIVE);
    assertThat(left.next().orElseThrow().slot(0).state()).isEqualTo(SlotState.LEFT);
    assertThat(RULES.decide(formed, new MembershipRequest.Leave(0, 2), ALIVE).next()).isEmpty();
  }

  @Test
  void fixedRulesFailTheInstanceOnTheFirstLossAndRefuseRejoins() throws Exception {
    MembershipView all =
        MembershipView.initial(2)
            .next(new Slot(0, SlotState.ACTIVE, 1, "a0"), "x")
            .next(new Slot(1, SlotState.ACTIVE, 1, "a1"), "x");
    MembershipRules fixed = MembershipRules.fixed();
    MembershipView failed =
        fixed
            .decide(
                all,
                new MembershipRequest.Report(new Evidence.TransportError(1, 1, 0, "reset")),
                GONE)
            .next()
            .orElseThrow();
    assertThat(failed.state()).isEqualTo(InstanceState.FAILED);
    assertThat(failed.cause())
        .startsWith("static membership: rank 1 failed: TransportError from rank 0");
    assertThat(
            fixed
                .decide(failed, new MembershipRequest.Join(1, 2, "again"), ALIVE)
                .answer()
                .orElseThrow()
                .message())
        .contains("FAILED");
    MembershipView left = all.next(new Slot(1, SlotState.LEFT, 1, "a1"), "x");
    assertThat(
            fixed
                .decide(left, new MembershipRequest.Join(1, 2, "again"), ALIVE)
                .answer()
                .orElseThrow()
                .message())
        .isEqualTo("Static membership: slot 1 cannot be re-joined after formation");
    assertThat(RULES.decide(left, new MembershipRequest.Join(1, 2, "again"), ALIVE).answer())
        .contains(Answer.ok(2));
  }
}
