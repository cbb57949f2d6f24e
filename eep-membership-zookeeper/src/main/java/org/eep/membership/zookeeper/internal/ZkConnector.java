package org.eep.membership.zookeeper.internal;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.ACL;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.MembershipException;
import org.eep.api.membership.MembershipView;

/**
 * Opens the ZooKeeper session of one handle and prepares the instance's namespace: the root's
 * znodes (open ACL), the namespace and its parents (the instance ACL), epoch 0; then checks the
 * namespace's ACL and slot count against this handle's settings. Idempotent: every handle does it.
 * Stateless; called on the thread that creates the handle.
 */
final class ZkConnector {
  private ZkConnector() {}

  /** A started client, connected within {@code eep_zookeeper_connection_timeout_ms}. */
  static CuratorFramework connect(ZkSettings settings, String connectString, ZkSecurity security)
      throws Exception {
    CuratorFramework client =
        security
            .apply(
                CuratorFrameworkFactory.builder()
                    .connectString(connectString)
                    .sessionTimeoutMs((int) settings.sessionTimeout().toMillis())
                    // Curator's own connection timeout bounds each operation's wait for a
                    // connection; keeping it
                    // within the session timeout lets operations fail over to another server before
                    // the session
                    // could expire. The first connection may take
                    // eep_zookeeper_connection_timeout_ms (below).
                    .connectionTimeoutMs(
                        (int)
                            Math.min(
                                settings.connectionTimeout().toMillis(),
                                settings.sessionTimeout().toMillis()))
                    .retryPolicy(new ExponentialBackoffRetry(50, 20, 1000))
                    .ensembleTracker(false))
            .build();
    client.start();
    try {
      if (!client.blockUntilConnected(
          (int) settings.connectionTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        throw new MembershipException(
            "Cannot connect to ZooKeeper at "
                + connectString
                + " within "
                + settings.connectionTimeout().toMillis()
                + " ms (eep_zookeeper_connection_timeout_ms)");
      }
      return client;
    } catch (Exception | Error e) {
      client.close();
      throw e;
    }
  }

  /**
   * Creates what is missing, checks the ACL and slot count, and returns the latest committed view.
   */
  static MembershipView prepare(CuratorFramework client, ZkSettings settings, ZkSecurity security)
      throws Exception {
    StringBuilder ancestor = new StringBuilder();
    for (String part : settings.root().split("/")) {
      if (!part.isEmpty()) {
        createIfAbsent(client, ancestor.append('/').append(part).toString());
      }
    }
    ZkLayout layout = new ZkLayout(settings.namespace());
    createIfAbsent(client, layout.namespace());
    if (security.secured()) {
      List<ACL> acl = client.getACL().forPath(layout.namespace());
      if (!acl.equals(security.acl())) {
        throw new MembershipException(
            "ZooKeeper namespace "
                + layout.namespace()
                + " of instance "
                + settings.instance()
                + " was created without "
                + EepKeys.SECRET.name()
                + " (its ACL is "
                + acl
                + "); refusing to use an unprotected"
                + " instance with a secret. Delete it or use another eep_instance.");
      }
    }
    for (String parent : layout.parents()) {
      createIfAbsent(client, parent);
    }
    ViewStore store = new ViewStore(client, layout);
    store.initialise(settings.maxRanks());
    MembershipView latest = store.latest();
    if (latest.maxRanks() != settings.maxRanks()) {
      throw new MembershipException(
          "Instance "
              + settings.instance()
              + " has "
              + latest.maxRanks()
              + " slots; eep_max_ranks="
              + settings.maxRanks()
              + " does not match");
    }
    return latest;
  }

  private static void createIfAbsent(CuratorFramework client, String path) throws Exception {
    try {
      client.create().forPath(path);
    } catch (KeeperException.NodeExistsException e) {
      // already there
    }
  }
}
