package org.eep.membership.zookeeper.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.InstanceState;
import org.eep.api.membership.MembershipRequest;
import org.eep.api.membership.MembershipRules.Answer;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Slot;
import org.eep.api.membership.SlotState;
import org.junit.jupiter.api.Test;

class WireFormatTest {
  @Test
  void viewsRoundTripIncludingAwkwardText() {
    MembershipView v =
        new MembershipView(
            7,
            InstanceState.SERVING,
            List.of(
                new Slot(0, SlotState.ACTIVE, 3, "10.0.0.1:4000"),
                Slot.empty(1),
                new Slot(2, SlotState.FAILED, 1, "a b\nc%+ü")),
            "rank 2 failed: TransportError (connection reset)\nsecond line");
    assertThat(WireFormat.decodeView(WireFormat.encode(v))).isEqualTo(v);
    assertThat(new String(WireFormat.encode(v), StandardCharsets.UTF_8))
        .startsWith("eep-view 1\nepoch 7\nstate SERVING\n");
  }

  @Test
  void requestsAndRepliesRoundTrip() {
    List<MembershipRequest> requests =
        List.of(
            new MembershipRequest.Join(3, 2, "host:1 x"),
            new MembershipRequest.Join(0, 1, ""),
            new MembershipRequest.Activate(1, 4),
            new MembershipRequest.Leave(2, 9),
            new MembershipRequest.Report(new Evidence.TransportError(1, 2, 0, "reset")),
            new MembershipRequest.Report(new Evidence.MissedHeartbeats(1, 2, -1, "")),
            new MembershipRequest.Report(new Evidence.DeadlineMiss(3, 1, 2, "slow step")),
            new MembershipRequest.Report(new Evidence.ProbeFailed(3, 1, 0, "silent 600 ms")));
    for (MembershipRequest r : requests) {
      assertThat(WireFormat.decodeRequest(WireFormat.encode(r))).isEqualTo(r);
    }
    for (Answer r : List.of(Answer.ok(5), Answer.refused("Slot 1 is ACTIVE"), Answer.retry(""))) {
      assertThat(WireFormat.decodeReply(WireFormat.encode(r))).isEqualTo(r);
    }
  }

  @Test
  void garbageIsRejected() {
    assertThatThrownBy(() -> WireFormat.decodeView("hello".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an EEP view");
    assertThatThrownBy(() -> WireFormat.decodeRequest("join 1".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("truncated request");
    assertThatThrownBy(
            () -> WireFormat.decodeRequest("rename 1 2".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown request rename");
  }
}
