package org.eep.membership.zookeeper.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import org.apache.curator.utils.PathUtils;
import org.eep.api.config.ConfigException;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;
import org.eep.membership.zookeeper.ZooKeeperMembershipProvider;

/**
 * What one handle needs from the configuration, validated. The session timeout defaults to {@code
 * eep_heartbeat_ms × eep_heartbeat_misses}: a rank whose process stops answering ZooKeeper for that
 * long loses its session, its ephemeral znode disappears and its slot fails, just as the {@code
 * local} provider fails a rank after that many missed heartbeats. Immutable; made by the provider
 * on the thread that creates a handle.
 *
 * @param connect ZooKeeper connect string, or {@code embedded}
 * @param root parent znode of the instances
 * @param instance instance name (one znode under the root)
 * @param maxRanks slots of the instance
 * @param sessionTimeout session timeout requested from ZooKeeper
 * @param connectionTimeout how long to wait for the first connection
 * @param secret {@code eep_secret}; empty for none (open ACLs)
 */
public record ZkSettings(
    String connect,
    String root,
    String instance,
    int maxRanks,
    Duration sessionTimeout,
    Duration connectionTimeout,
    String secret) {
  public ZkSettings {
    requireNonNull(connect, "connect is null");
    requireNonNull(root, "root is null");
    requireNonNull(instance, "instance is null");
    requireNonNull(sessionTimeout, "sessionTimeout is null");
    requireNonNull(connectionTimeout, "connectionTimeout is null");
    requireNonNull(secret, "secret is null");
    if (connect.isBlank()) {
      throw new ConfigException(
          ZooKeeperMembershipProvider.CONNECT.name()
              + " is empty: give host:port[,host:port...] or embedded");
    }
    try {
      PathUtils.validatePath(root);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          "Invalid "
              + ZooKeeperMembershipProvider.ROOT.name()
              + " '"
              + root
              + "': "
              + e.getMessage());
    }
    if (instance.isEmpty()
        || instance.contains("/")
        || instance.equals(".")
        || instance.equals("..")) {
      throw new ConfigException(
          "Invalid "
              + EepKeys.INSTANCE.name()
              + " '"
              + instance
              + "' for ZooKeeper: it must be one znode name");
    }
    try {
      PathUtils.validatePath(namespaceOf(root, instance));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          "Invalid "
              + EepKeys.INSTANCE.name()
              + " '"
              + instance
              + "' for ZooKeeper: "
              + e.getMessage());
    }
  }

  /** Reads and validates the handle's settings. */
  public static ZkSettings from(EepConfig config) {
    long session =
        config.isAuto(ZooKeeperMembershipProvider.SESSION_TIMEOUT_MS)
            ? config.getLong(EepKeys.HEARTBEAT_MS) * config.getLong(EepKeys.HEARTBEAT_MISSES)
            : config.getLong(ZooKeeperMembershipProvider.SESSION_TIMEOUT_MS);
    return new ZkSettings(
        config.getString(ZooKeeperMembershipProvider.CONNECT).trim(),
        config.getString(ZooKeeperMembershipProvider.ROOT).trim(),
        config.getString(EepKeys.INSTANCE),
        config.getInt(EepKeys.MAX_RANKS),
        Duration.ofMillis(Math.min(session, Integer.MAX_VALUE)),
        config.getMillis(ZooKeeperMembershipProvider.CONNECTION_TIMEOUT_MS),
        config.getString(EepKeys.SECRET));
  }

  /** True for {@code eep_zookeeper_connect=embedded}. */
  public boolean embedded() {
    return ZooKeeperMembershipProvider.EMBEDDED.equals(connect);
  }

  /** True if {@code eep_secret} is set: every znode of the instance gets a digest ACL. */
  public boolean secured() {
    return !secret.isEmpty();
  }

  /** The instance's znode: {@code root/instance}. */
  public String namespace() {
    return namespaceOf(root, instance);
  }

  /**
   * How long a join, activate or leave waits for the leader's answer: long enough for a dead
   * leader's session to expire and a new one to be elected, and never under 30 s.
   */
  public Duration requestTimeout() {
    Duration derived = connectionTimeout.plus(sessionTimeout.multipliedBy(4));
    return derived.compareTo(Duration.ofSeconds(30)) < 0 ? Duration.ofSeconds(30) : derived;
  }

  /** Never shows the secret. */
  @Override
  public String toString() {
    return "ZkSettings[connect="
        + connect
        + ", namespace="
        + namespace()
        + ", maxRanks="
        + maxRanks
        + ", sessionTimeout="
        + sessionTimeout.toMillis()
        + " ms, connectionTimeout="
        + connectionTimeout.toMillis()
        + " ms, secret="
        + (secured() ? "(set)" : "(none)")
        + "]";
  }

  private static String namespaceOf(String root, String instance) {
    return ("/".equals(root) ? "" : root) + "/" + instance;
  }
}
