package org.eep.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.InstanceState;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.SlotState;
import org.junit.jupiter.api.Test;

/**
 * Conformance of elastic providers: evidence evicts one slot, the instance keeps serving, the slot
 * rejoins.
 */
public abstract class ElasticMembershipContract extends MembershipContract {

  @Test
  void evidenceBecomesTheNextViewWithTheSlotFailed() throws Exception {
    EepConfig cfg = freshConfig(3);
    MembershipService[] s = formed(cfg, 3);
    long before = s[0].currentView().epoch();
    s[0].reportEvidence(new Evidence.TransportError(2, 1, 0, "connection reset"));
    for (MembershipService h : s) {
      MembershipView v = ViewAwaits.awaitSlot(h, 2, SlotState.FAILED);
      assertThat(v.epoch()).isEqualTo(before + 1);
      assertThat(v.state()).isEqualTo(InstanceState.SERVING);
      assertThat(v.activeCount()).isEqualTo(2);
    }
  }

  @Test
  void aSilentMemberIsFailedByMissedHeartbeats() throws Exception {
    EepConfig cfg = config("silent-" + System.nanoTime(), 3, 50, 3);
    MembershipService[] s = formed(cfg, 3);
    s[1].close();
    MembershipView v = ViewAwaits.awaitSlot(s[0], 1, SlotState.FAILED);
    assertThat(v.slot(0).state()).isEqualTo(SlotState.ACTIVE);
    assertThat(v.slot(2).state()).isEqualTo(SlotState.ACTIVE);
  }

  @Test
  void aDeadlineMissAgainstAHealthyRankDoesNotEvictIt() throws Exception {
    EepConfig cfg = config("suspect-" + System.nanoTime(), 2, 500, 20);
    MembershipService[] s = formed(cfg, 2);
    long epoch = s[0].currentView().epoch();
    s[0].reportEvidence(new Evidence.DeadlineMiss(1, 1, 0, "one slow step"));
    assertThat(s[0].awaitEpoch(epoch + 1, Duration.ofMillis(300)).slot(1).state())
        .isEqualTo(SlotState.ACTIVE);
  }

  @Test
  void oneFailedProbeOfThreePeersDoesNotEvict() throws Exception {
    EepConfig cfg = config("probe-one-" + System.nanoTime(), 4, 500, 20);
    MembershipService[] s = formed(cfg, 4);
    long epoch = s[0].currentView().epoch();
    s[0].reportEvidence(new Evidence.ProbeFailed(3, 1, 0, "silent"));
    // Requests are decided in order: the view this commits shows what the probe report did.
    s[1].reportEvidence(new Evidence.TransportError(2, 1, 1, "killed"));
    MembershipView v = ViewAwaits.awaitSlot(s[0], 2, SlotState.FAILED);
    assertThat(v.epoch()).isEqualTo(epoch + 1);
    assertThat(v.slot(3).state()).isEqualTo(SlotState.ACTIVE);
  }

  @Test
  void failedProbesFromAMajorityOfPeersEvictWhileTheSuspectsSessionLives() throws Exception {
    EepConfig cfg = config("probe-majority-" + System.nanoTime(), 4, 500, 20);
    MembershipService[] s = formed(cfg, 4);
    s[0].reportEvidence(new Evidence.ProbeFailed(3, 1, 0, "silent"));
    s[2].reportEvidence(new Evidence.ProbeFailed(3, 1, 2, "silent"));
    for (MembershipService h : s) {
      MembershipView v = ViewAwaits.awaitSlot(h, 3, SlotState.FAILED);
      assertThat(v.cause())
          .startsWith("rank 3 failed: ProbeFailed from ranks [0, 2] of its 3 peers");
    }
  }

  @Test
  void aFailedSlotRejoinsAsANewIncarnation() throws Exception {
    EepConfig cfg = freshConfig(2);
    MembershipService[] s = formed(cfg, 2);
    s[0].reportEvidence(new Evidence.TransportError(1, 1, 0, "killed"));
    ViewAwaits.awaitSlot(s[0], 1, SlotState.FAILED);

    MembershipService reborn = create(cfg);
    long incarnation = reborn.join(1, "addr-1-again");
    assertThat(incarnation).isEqualTo(2);
    MembershipView joining = ViewAwaits.awaitSlot(s[0], 1, SlotState.JOINING);
    assertThat(joining.slot(1).address()).isEqualTo("addr-1-again");
    MembershipView active = reborn.activate(1, incarnation);
    assertThat(active.slot(1).state()).isEqualTo(SlotState.ACTIVE);
    assertThat(ViewAwaits.awaitSlot(s[0], 1, SlotState.ACTIVE).slot(1).incarnation()).isEqualTo(2);
  }
}
