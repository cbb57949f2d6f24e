package org.eep.membership.zookeeper;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.eep.api.config.ConfigKey;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.MembershipProvider;
import org.eep.api.membership.MembershipService;
import org.eep.membership.zookeeper.internal.ZkSettings;
import org.eep.membership.zookeeper.internal.ZooKeeperMembershipService;

/**
 * Membership provider {@code zookeeper} ({@code eep_membership=zookeeper}): every handle is a
 * ZooKeeper session of one rank process and a candidate in a Curator {@code LeaderLatch}; the
 * elected leader turns evidence, join/activate/leave requests and expired sessions into the next
 * view and commits it with compare-and-set, so the control plane has no single point of failure.
 *
 * <p>Found by {@link org.eep.api.spi.Providers} through {@code META-INF/services}. Stateless and
 * thread-safe: {@link #create} may be called from any thread, once per rank, and each call opens a
 * new session (and, with {@code eep_zookeeper_connect=embedded}, shares the in-process server of
 * that instance).
 */
public final class ZooKeeperMembershipProvider implements MembershipProvider {
  /** Value of {@link #CONNECT} that starts (or shares) a ZooKeeper server inside this JVM. */
  public static final String EMBEDDED = "embedded";

  /** ZooKeeper connect string ({@code host:port,host:port}), or {@code embedded}. */
  public static final ConfigKey CONNECT =
      ConfigKey.text(
          "eep_zookeeper_connect",
          EMBEDDED,
          "ZooKeeper connect string (host:port,...), or embedded: a real ZooKeeper server started in this JVM, "
              + "shared by the handles of one instance (demo and tests).");

  /** Parent znode of every instance; the instance lives at {@code root/eep_instance}. */
  public static final ConfigKey ROOT =
      ConfigKey.text(
          "eep_zookeeper_root",
          "/eep",
          "Parent znode of the instances; an instance's namespace is <root>/<eep_instance>.");

  /** ZooKeeper session timeout; {@code auto} is {@code eep_heartbeat_ms × eep_heartbeat_misses}. */
  public static final ConfigKey SESSION_TIMEOUT_MS =
      ConfigKey.integerOrAuto(
          "eep_zookeeper_session_timeout_ms",
          1,
          3_600_000,
          "Session timeout requested from ZooKeeper (a silent rank's session expires after it and its slot fails); "
              + "auto = eep_heartbeat_ms x eep_heartbeat_misses. The server clamps it to its [min, max] session timeout.");

  /** How long a handle waits for its first connection. */
  public static final ConfigKey CONNECTION_TIMEOUT_MS =
      ConfigKey.integer(
          "eep_zookeeper_connection_timeout_ms",
          15_000,
          1,
          3_600_000,
          "How long creating a handle waits to connect to ZooKeeper before it fails.");

  @Override
  public String name() {
    return "zookeeper";
  }

  @Override
  public List<ConfigKey> configKeys() {
    return List.of(CONNECT, ROOT, SESSION_TIMEOUT_MS, CONNECTION_TIMEOUT_MS);
  }

  /**
   * Opens one handle: connects (starting the embedded server if configured), prepares the
   * instance's namespace, joins the leader election and reads the current view.
   *
   * @throws org.eep.api.membership.MembershipException if ZooKeeper is unreachable, the secret does
   *     not match the instance's, or the instance has a different {@code eep_max_ranks}
   * @throws org.eep.api.config.ConfigException if the root or instance name is not a valid znode
   *     path
   */
  @Override
  public MembershipService create(EepConfig config) {
    return ZooKeeperMembershipService.open(
        ZkSettings.from(requireNonNull(config, "config is null")));
  }
}
