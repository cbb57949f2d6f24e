package org.eep.testkit.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.InstanceState;
import org.eep.api.membership.MembershipException;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.SlotState;
import org.eep.testkit.MembershipContract;
import org.eep.testkit.ViewAwaits;
import org.junit.jupiter.api.Test;

class StaticMembershipContractTest extends MembershipContract {
  @Override
  protected EepConfig config(String instance, int maxRanks, long heartbeatMs, int misses) {
    return EepConfig.of(
        Map.of(
            "eep_membership",
            "static",
            "eep_instance",
            instance,
            "eep_max_ranks",
            maxRanks,
            "eep_heartbeat_ms",
            heartbeatMs,
            "eep_heartbeat_misses",
            misses));
  }

  @Test
  void theFirstFailurePutsTheInstanceInTheTerminalFailedState() throws Exception {
    EepConfig cfg = freshConfig(3);
    MembershipService[] s = formed(cfg, 3);
    long before = s[0].currentView().epoch();
    s[0].reportEvidence(new Evidence.TransportError(2, 1, 0, "connection reset"));
    MembershipView v = ViewAwaits.awaitSlot(s[1], 2, SlotState.FAILED);
    assertThat(v.epoch()).isEqualTo(before + 1);
    assertThat(v.state()).isEqualTo(InstanceState.FAILED);

    MembershipService restarted = create(cfg);
    assertThatThrownBy(() -> restarted.join(2, "again"))
        .isInstanceOf(MembershipException.class)
        .hasMessageContaining("FAILED");
  }
}
