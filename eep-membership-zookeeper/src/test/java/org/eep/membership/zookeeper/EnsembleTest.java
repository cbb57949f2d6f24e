package org.eep.membership.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.client.FourLetterWordMain;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.Evidence;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.SlotState;
import org.eep.testkit.ViewAwaits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A three-server ZooKeeper ensemble loses its quorum leader; membership keeps turning requests into
 * views.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EnsembleTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final int TICK_MS = 500;
  private final List<MembershipService> open = new ArrayList<>();
  private TestingCluster cluster;

  @AfterEach
  void closeAll() throws Exception {
    open.forEach(MembershipService::close);
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void membershipSurvivesTheLossOfOneServer() throws Exception {
    // Ticks of 500 ms: sessions of up to 10 s, enough to ride out the ensemble's re-election.
    cluster =
        new TestingCluster(
            IntStream.range(0, 3)
                .mapToObj(i -> new InstanceSpec(null, -1, -1, -1, true, -1, TICK_MS, -1))
                .toList());
    cluster.start();
    EepConfig cfg =
        EepConfig.of(
            Map.of(
                "eep_membership",
                "zookeeper",
                "eep_instance",
                "ensemble",
                "eep_max_ranks",
                3,
                "eep_zookeeper_connect",
                cluster.getConnectString(),
                "eep_heartbeat_ms",
                1000,
                "eep_heartbeat_misses",
                10));
    ZooKeeperMembershipProvider provider = new ZooKeeperMembershipProvider();
    MembershipService[] h = new MembershipService[3];
    for (int r = 0; r < 3; r++) {
      h[r] = provider.create(cfg);
      open.add(h[r]);
    }
    h[0].join(0, "addr-0");
    h[1].join(1, "addr-1");
    h[0].activate(0, 1);
    long formed = h[1].activate(1, 1).epoch();

    InstanceSpec leader = quorumLeader();
    assertThat(cluster.killServer(leader)).isTrue();

    h[0].reportEvidence(new Evidence.TransportError(1, 1, 0, "connection reset"));
    MembershipView failed = ViewAwaits.awaitSlot(h[2], 1, SlotState.FAILED);
    assertThat(failed.epoch()).isEqualTo(formed + 1);
    assertThat(h[2].join(2, "addr-2")).isEqualTo(1);
    MembershipView active = h[2].activate(2, 1);
    assertThat(active.epoch()).isEqualTo(formed + 3);
    assertThat(h[1].join(1, "addr-1-again")).isEqualTo(2);
    MembershipView rejoined = h[1].activate(1, 2);
    assertThat(rejoined.epoch()).isEqualTo(formed + 5);
    assertThat(rejoined.activeCount()).isEqualTo(3);
    for (MembershipService s : h) {
      assertThat(s.awaitEpoch(rejoined.epoch(), PATIENCE)).isEqualTo(rejoined);
    }
  }

  private InstanceSpec quorumLeader() throws Exception {
    for (InstanceSpec spec : cluster.getInstances()) {
      String stat = FourLetterWordMain.send4LetterWord("127.0.0.1", spec.getPort(), "srvr");
      if (stat.contains("Mode: leader")) {
        return spec;
      }
    }
    throw new AssertionError("no ZooKeeper server reports Mode: leader");
  }
}
