package org.eep.comm.netty.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * What one {@code tcp} endpoint needs from the configuration, already typed and checked. Built by
 * {@link org.eep.comm.netty.NettyTransportProvider}; immutable.
 *
 * @param host address the listener binds to ({@code eep_host}); peers must be able to reach it
 * @param ioThreads Netty I/O threads of the endpoint
 * @param connectTimeout how long connecting to a peer may take
 * @param maxRanks rank slots of the instance (sizes the initial open fence)
 */
public record TcpSettings(String host, int ioThreads, Duration connectTimeout, int maxRanks) {
  public TcpSettings {
    requireNonNull(host, "host is null");
    requireNonNull(connectTimeout, "connectTimeout is null");
    if (host.isBlank()) {
      throw new IllegalArgumentException("host is blank");
    }
    if (ioThreads < 1) {
      throw new IllegalArgumentException("ioThreads < 1: " + ioThreads);
    }
    if (connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("connectTimeout must be positive: " + connectTimeout);
    }
    if (maxRanks < 1) {
      throw new IllegalArgumentException("maxRanks < 1: " + maxRanks);
    }
  }

  /** Listen on 127.0.0.1 with one I/O thread and a 10 s connect timeout. */
  public static TcpSettings loopback(int maxRanks) {
    return new TcpSettings("127.0.0.1", 1, Duration.ofSeconds(10), maxRanks);
  }
}
