package org.eep.membership.zookeeper;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real, single-node ZooKeeper server running inside this JVM, listening on 127.0.0.1 on a free
 * port, with its data in a fresh temporary directory that {@link #close} deletes. It is what {@code
 * eep_zookeeper_connect=embedded} starts (one per instance per JVM); tests and benchmarks may also
 * start one directly and pass {@link #connectString()} as {@code eep_zookeeper_connect}.
 *
 * <p>The server ticks every {@value #TICK_MS} ms and accepts session timeouts from {@value
 * #MIN_SESSION_TIMEOUT_MS} ms to {@value #MAX_SESSION_TIMEOUT_MS} ms, so the session timeout
 * derived from {@code eep_heartbeat_ms × eep_heartbeat_misses} is honoured. Transactions are
 * written and synced to disk as in any ZooKeeper server.
 *
 * <p>Threading: {@link #start} and {@link #close} may be called from any thread; the server runs on
 * its own threads. {@link #close} is idempotent.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
  /** Server tick: the granularity of session expiry. */
  public static final int TICK_MS = 50;

  /** Smallest session timeout the server grants. */
  public static final int MIN_SESSION_TIMEOUT_MS = 2 * TICK_MS;

  /** Largest session timeout the server grants. */
  public static final int MAX_SESSION_TIMEOUT_MS = 600_000;

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedZooKeeper.class);
  private static final int MAX_CLIENT_CONNECTIONS = 1000;

  private final Path dataDir;
  private final ZooKeeperServer server;
  private final ServerCnxnFactory connections;
  private final int port;
  private boolean closed;

  private EmbeddedZooKeeper(Path dataDir, ZooKeeperServer server, ServerCnxnFactory connections) {
    this.dataDir = dataDir;
    this.server = server;
    this.connections = connections;
    this.port = connections.getLocalPort();
  }

  /**
   * Starts a server on 127.0.0.1 and a free port.
   *
   * @throws UncheckedIOException if the data directory or the listening socket cannot be made
   */
  public static EmbeddedZooKeeper start() {
    Path dir = null;
    ZooKeeperServer server = null;
    ServerCnxnFactory connections = null;
    try {
      dir = Files.createTempDirectory("eep-zookeeper-");
      File data = dir.toFile();
      server = new ZooKeeperServer(data, data, TICK_MS);
      server.setMinSessionTimeout(MIN_SESSION_TIMEOUT_MS);
      server.setMaxSessionTimeout(MAX_SESSION_TIMEOUT_MS);
      connections =
          ServerCnxnFactory.createFactory(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), MAX_CLIENT_CONNECTIONS);
      connections.startup(server);
      EmbeddedZooKeeper zk = new EmbeddedZooKeeper(dir, server, connections);
      LOG.info("embedded ZooKeeper listening on {}", zk.connectString());
      return zk;
    } catch (IOException e) {
      abort(dir, server, connections);
      throw new UncheckedIOException("Cannot start the embedded ZooKeeper server", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abort(dir, server, connections);
      throw new IllegalStateException(
          "Interrupted while starting the embedded ZooKeeper server", e);
    } catch (RuntimeException | Error e) {
      // e.g. NoClassDefFoundError when a server dependency is missing: do not leave the server's
      // non-daemon threads behind to keep the JVM alive.
      abort(dir, server, connections);
      throw e;
    }
  }

  private static void abort(Path dir, ZooKeeperServer server, ServerCnxnFactory connections) {
    try {
      if (connections != null) {
        connections.shutdown();
      }
      if (server != null) {
        server.shutdown();
      }
    } catch (RuntimeException | LinkageError e) {
      LOG.warn("cleaning up a failed embedded ZooKeeper start: {}", e.toString());
    }
    deleteQuietly(dir);
  }

  /** The loopback port the server listens on. */
  public int port() {
    return port;
  }

  /** The connect string to give clients: {@code 127.0.0.1:<port>}. */
  public String connectString() {
    return InetAddress.getLoopbackAddress().getHostAddress() + ":" + port();
  }

  /** Stops the server (open sessions see the connection drop) and deletes its data. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    connections.shutdown();
    server.shutdown();
    deleteQuietly(dataDir);
    LOG.info("embedded ZooKeeper on port {} stopped", port);
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", dir, e.toString());
    }
  }
}
