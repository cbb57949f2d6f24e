package org.eep.membership.zookeeper.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.eep.api.config.ConfigException;
import org.eep.api.config.EepConfig;
import org.junit.jupiter.api.Test;

class ZkSettingsTest {
  @Test
  void defaultsDeriveTheSessionTimeoutFromTheHeartbeat() {
    ZkSettings s =
        ZkSettings.from(
            EepConfig.of(
                Map.of(
                    "eep_instance", "demo", "eep_heartbeat_ms", 200, "eep_heartbeat_misses", 4)));
    assertThat(s.sessionTimeout()).isEqualTo(Duration.ofMillis(800));
    assertThat(s.embedded()).isTrue();
    assertThat(s.namespace()).isEqualTo("/eep/demo");
    assertThat(s.secured()).isFalse();
    assertThat(s.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void explicitKeysWin() {
    ZkSettings s =
        ZkSettings.from(
            EepConfig.of(
                Map.of(
                    "eep_instance",
                    "prod",
                    "eep_zookeeper_connect",
                    "zk1:2181,zk2:2181",
                    "eep_zookeeper_root",
                    "/teams/ml",
                    "eep_zookeeper_session_timeout_ms",
                    6000,
                    "eep_secret",
                    "x")));
    assertThat(s.sessionTimeout()).isEqualTo(Duration.ofMillis(6000));
    assertThat(s.embedded()).isFalse();
    assertThat(s.namespace()).isEqualTo("/teams/ml/prod");
    assertThat(s.secured()).isTrue();
    assertThat(s.toString()).doesNotContain("=x,").contains("secret=(set)");
    assertThat(ZkSecurity.of(s).toString()).contains("secret=(set)").doesNotContain("secret=x");
  }

  @Test
  void badNamesAreConfigErrors() {
    assertThatThrownBy(() -> ZkSettings.from(EepConfig.of(Map.of("eep_zookeeper_root", "eep"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("eep_zookeeper_root");
    assertThatThrownBy(() -> ZkSettings.from(EepConfig.of(Map.of("eep_instance", "a/b"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("eep_instance 'a/b'");
  }
}
