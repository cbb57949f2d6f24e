package org.eep.membership.zookeeper.internal;

import org.apache.zookeeper.KeeperException;
import org.eep.api.config.EepKeys;
import org.eep.api.membership.MembershipException;

/** Turns ZooKeeper and Curator failures into {@link MembershipException}s that say what to fix. */
final class ZkErrors {
  private ZkErrors() {}

  static MembershipException wrap(ZkSettings settings, String doing, Exception e) {
    if (e instanceof MembershipException m) {
      return m;
    }
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
      return new MembershipException("Interrupted while " + doing, e);
    }
    if (e instanceof KeeperException.NoAuthException) {
      return notAuthorised(settings, doing, e);
    }
    return new MembershipException(
        "ZooKeeper failed while "
            + doing
            + " (instance "
            + settings.instance()
            + " at "
            + settings.connect()
            + settings.namespace()
            + "): "
            + e,
        e);
  }

  static MembershipException notAuthorised(ZkSettings settings, String doing, Exception cause) {
    return new MembershipException(
        "Not authorised on ZooKeeper namespace "
            + settings.namespace()
            + " of instance "
            + settings.instance()
            + " while "
            + doing
            + ": "
            + EepKeys.SECRET.name()
            + (settings.secured()
                ? " does not match the instance's"
                : " is not set but the instance is protected"),
        cause);
  }
}
