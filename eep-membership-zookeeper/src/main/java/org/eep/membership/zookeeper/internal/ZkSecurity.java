package org.eep.membership.zookeeper.internal;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

/**
 * Credentials and ACLs of one instance. With {@code eep_secret} set, the handle authenticates with
 * the digest scheme as user {@code <instance>} and every znode of the instance's namespace gets the
 * single ACL {@code digest:<instance>:<hash(secret)>} with all permissions: a client without the
 * secret can neither read, join, report nor write views. The shared root ({@code
 * eep_zookeeper_root}) stays open so that several instances can live under it. Without a secret,
 * everything is open. Immutable.
 *
 * @param namespace the instance's znode
 * @param user digest user name, empty if unsecured
 * @param secret the secret, empty if unsecured
 * @param acl the ACL of every znode in the namespace
 */
record ZkSecurity(String namespace, String user, String secret, List<ACL> acl) {
  ZkSecurity {
    requireNonNull(namespace, "namespace is null");
    requireNonNull(user, "user is null");
    requireNonNull(secret, "secret is null");
    // ZooKeeper asks its ACL lists contains(null), which immutable List.of/copyOf refuse.
    acl = Collections.unmodifiableList(new ArrayList<>(requireNonNull(acl, "acl is null")));
  }

  static ZkSecurity of(ZkSettings settings) {
    if (!settings.secured()) {
      return new ZkSecurity(settings.namespace(), "", "", ZooDefs.Ids.OPEN_ACL_UNSAFE);
    }
    String user = settings.instance().replace(':', '_');
    try {
      String digest = DigestAuthenticationProvider.generateDigest(user + ":" + settings.secret());
      return new ZkSecurity(
          settings.namespace(),
          user,
          settings.secret(),
          List.of(new ACL(ZooDefs.Perms.ALL, new Id("digest", digest))));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("The JVM has no SHA1 for ZooKeeper digest ACLs", e);
    }
  }

  boolean secured() {
    return !secret.isEmpty();
  }

  /** Adds the digest credentials and the ACL provider to a client being built. */
  CuratorFrameworkFactory.Builder apply(CuratorFrameworkFactory.Builder builder) {
    if (secured()) {
      builder.authorization("digest", (user + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }
    return builder.aclProvider(
        new ACLProvider() {
          @Override
          public List<ACL> getDefaultAcl() {
            return ZooDefs.Ids.OPEN_ACL_UNSAFE;
          }

          @Override
          public List<ACL> getAclForPath(String path) {
            return aclFor(path);
          }
        });
  }

  /** Never shows the secret. */
  @Override
  public String toString() {
    return "ZkSecurity[namespace="
        + namespace
        + ", user="
        + user
        + ", secret="
        + (secured() ? "(set)" : "(none)")
        + ", acl="
        + acl
        + "]";
  }

  /** The instance ACL inside the namespace, open ACLs above it. */
  List<ACL> aclFor(String path) {
    return path.equals(namespace) || path.startsWith(namespace + "/")
        ? acl
        : ZooDefs.Ids.OPEN_ACL_UNSAFE;
  }
}
