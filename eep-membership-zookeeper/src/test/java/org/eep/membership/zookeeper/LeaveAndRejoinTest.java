package org.eep.membership.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.MembershipException;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.SlotState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Leaving on purpose, rejoining from the same process, and the refusals around them. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LeaveAndRejoinTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private final List<MembershipService> open = new ArrayList<>();

  @AfterEach
  void closeAll() {
    open.forEach(MembershipService::close);
  }

  @Test
  void aLeftSlotIsLeftNotFailedAndCanBeTakenAgain() throws Exception {
    EepConfig cfg =
        EepConfig.of(
            Map.of(
                "eep_membership",
                "zookeeper",
                "eep_instance",
                "leave-" + System.nanoTime(),
                "eep_max_ranks",
                2));
    MembershipService a = handle(cfg);
    MembershipService b = handle(cfg);
    a.join(0, "a");
    long inc = b.join(1, "b");
    a.activate(0, 1);
    MembershipView formed = b.activate(1, inc);

    b.leave(1, inc);
    MembershipView left = a.awaitEpoch(formed.epoch() + 1, PATIENCE);
    assertThat(left.slot(1).state()).isEqualTo(SlotState.LEFT);
    assertThat(left.cause()).isEqualTo("rank 1 left");
    assertThatThrownBy(() -> b.activate(1, inc))
        .isInstanceOf(MembershipException.class)
        .hasMessage("Slot 1 incarnation 1 cannot be activated: slot is LEFT with incarnation 1");

    assertThat(b.join(1, "b-again")).isEqualTo(2);
    MembershipView back = b.activate(1, 2);
    assertThat(back.epoch()).isEqualTo(left.epoch() + 2);
    assertThat(a.awaitEpoch(back.epoch(), PATIENCE)).isEqualTo(back);
    assertThat(back.slot(1).address()).isEqualTo("b-again");
    assertThatThrownBy(() -> a.join(2, "nowhere"))
        .isInstanceOf(MembershipException.class)
        .hasMessage("Rank 2 is outside [0, 2)");
  }

  private MembershipService handle(EepConfig cfg) {
    MembershipService s = new ZooKeeperMembershipProvider().create(cfg);
    open.add(s);
    return s;
  }
}
