package org.eep.membership.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.MembershipException;
import org.eep.api.membership.MembershipService;
import org.eep.api.membership.SlotState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With {@code eep_secret} set, a client without the secret can neither open a handle, join, read
 * nor write views.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CredentialsTest {
  private final ZooKeeperMembershipProvider provider = new ZooKeeperMembershipProvider();
  private final List<AutoCloseable> open = new ArrayList<>();
  private EmbeddedZooKeeper server;

  @BeforeEach
  void startServer() {
    server = EmbeddedZooKeeper.start();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    server.close();
  }

  @Test
  void aClientWithoutTheSecretIsRefused() throws Exception {
    MembershipService member = handle(config("guarded", "s3cret"));
    assertThat(member.join(0, "addr-0")).isEqualTo(1);
    assertThat(member.activate(0, 1).slot(0).state()).isEqualTo(SlotState.ACTIVE);

    assertThatThrownBy(() -> handle(config("guarded", "")))
        .isInstanceOf(MembershipException.class)
        .hasMessageContaining(
            "Not authorised on ZooKeeper namespace /eep/guarded of instance guarded")
        .hasMessageContaining("eep_secret is not set but the instance is protected")
        .hasRootCauseInstanceOf(KeeperException.NoAuthException.class);
    assertThatThrownBy(() -> handle(config("guarded", "guess")))
        .isInstanceOf(MembershipException.class)
        .hasMessageContaining(
            "Not authorised on ZooKeeper namespace /eep/guarded of instance guarded")
        .hasMessageContaining("eep_secret does not match the instance's")
        .hasRootCauseInstanceOf(KeeperException.NoAuthException.class);
  }

  @Test
  void aRawClientCanNeitherReadNorJoinNorWriteViews() throws Exception {
    MembershipService member = handle(config("sealed", "s3cret"));
    member.join(0, "addr-0");
    CuratorFramework raw =
        CuratorFrameworkFactory.newClient(server.connectString(), new RetryOneTime(10));
    open.add(raw);
    raw.start();
    assertThat(raw.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
    byte[] junk = "junk".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> raw.getData().forPath("/eep/sealed/views/0000000000000000001"))
        .isInstanceOf(KeeperException.NoAuthException.class);
    assertThatThrownBy(() -> raw.getChildren().forPath("/eep/sealed/views"))
        .isInstanceOf(KeeperException.NoAuthException.class);
    assertThatThrownBy(() -> raw.create().forPath("/eep/sealed/views/0000000000000000002", junk))
        .isInstanceOf(KeeperException.NoAuthException.class);
    assertThatThrownBy(
            () ->
                raw.create()
                    .forPath(
                        "/eep/sealed/requests/req-0000000099",
                        "join 1 1 x".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(KeeperException.NoAuthException.class);
    assertThatThrownBy(() -> raw.create().forPath("/eep/sealed/live/r1-i1", junk))
        .isInstanceOf(KeeperException.NoAuthException.class);
    assertThatThrownBy(() -> raw.setData().forPath("/eep/sealed/views/0000000000000000001", junk))
        .isInstanceOf(KeeperException.NoAuthException.class);
    assertThat(member.currentView().slot(0).address()).isEqualTo("addr-0");
  }

  @Test
  void aSecretCannotAdoptAnInstanceCreatedWithoutOne() {
    handle(config("open", ""));
    assertThatThrownBy(() -> handle(config("open", "s3cret")))
        .isInstanceOf(MembershipException.class)
        .hasMessageContaining(
            "ZooKeeper namespace /eep/open of instance open was created without eep_secret");
  }

  private EepConfig config(String instance, String secret) {
    Map<String, Object> options =
        new HashMap<>(
            Map.of(
                "eep_membership",
                "zookeeper",
                "eep_instance",
                instance,
                "eep_max_ranks",
                2,
                "eep_zookeeper_connect",
                server.connectString()));
    if (!secret.isEmpty()) {
      options.put("eep_secret", secret);
    }
    return EepConfig.of(options);
  }

  private MembershipService handle(EepConfig cfg) {
    MembershipService s = provider.create(cfg);
    open.add(s);
    return s;
  }
}
