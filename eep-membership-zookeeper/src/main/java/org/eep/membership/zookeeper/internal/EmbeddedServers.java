package org.eep.membership.zookeeper.internal;

import java.util.HashMap;
import java.util.Map;
import org.eep.membership.zookeeper.EmbeddedZooKeeper;

/**
 * The embedded servers of {@code eep_zookeeper_connect=embedded}: one per instance name per JVM,
 * started by the first handle of that instance and stopped when its last handle closes. All access
 * is under the class monitor.
 */
final class EmbeddedServers {
  private static final Map<String, Shared> BY_INSTANCE = new HashMap<>();

  private EmbeddedServers() {}

  /** A reference to a shared server; {@link #close} releases it. */
  record Lease(String instance, String connectString) implements AutoCloseable {
    @Override
    public void close() {
      release(instance);
    }
  }

  private static final class Shared {
    final EmbeddedZooKeeper server;
    int refs;

    Shared(EmbeddedZooKeeper server) {
      this.server = server;
    }
  }

  static synchronized Lease acquire(String instance) {
    Shared s = BY_INSTANCE.computeIfAbsent(instance, k -> new Shared(EmbeddedZooKeeper.start()));
    s.refs++;
    return new Lease(instance, s.server.connectString());
  }

  private static synchronized void release(String instance) {
    Shared s = BY_INSTANCE.get(instance);
    if (s != null && --s.refs == 0) {
      BY_INSTANCE.remove(instance);
      s.server.close();
    }
  }
}
