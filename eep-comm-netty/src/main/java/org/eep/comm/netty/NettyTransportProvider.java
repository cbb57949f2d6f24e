package org.eep.comm.netty;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import org.eep.api.comm.FrameAuth;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportProvider;
import org.eep.api.config.ConfigKey;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;
import org.eep.comm.netty.internal.NettyTransport;
import org.eep.comm.netty.internal.TcpSettings;

/**
 * Transport {@code tcp}: one TCP connection per peer on Netty's NIO transport, pure Java, no native
 * dependency. Selected by {@code eep_transport=tcp} ({@code option.eep_transport=tcp} in {@code
 * serving.properties}, {@code OPTION_EEP_TRANSPORT=tcp} in the environment).
 *
 * <p>Contract: {@link #create} returns a {@link Transport} already listening on {@code eep_host} at
 * an ephemeral port; its {@link Transport#address() address} is {@code tcp://HOST:PORT}. Frames are
 * {@link org.eep.api.comm.FrameCodec} frames; receiving, matching and fencing are done by an {@link
 * org.eep.api.comm.Inbox}. With {@code eep_secret} set, every frame carries an HMAC tag ({@link
 * FrameAuth#from(EepConfig)}) and frames without a valid one are refused, counted ({@link
 * org.eep.api.comm.TransportStats#droppedUnauthenticated()}) and their connection closed.
 *
 * <p>Who calls it: {@link org.eep.api.spi.Providers} finds it through {@code
 * META-INF/services/org.eep.api.comm.TransportProvider}; the runtime calls {@link #create} once per
 * rank it hosts. {@link EepConfig} collects {@link #configKeys()} so that the keys below are
 * accepted (and documented) when this jar is on the class path.
 *
 * <p>Threading: stateless and thread-safe; the public no-argument constructor does no work. Each
 * transport owns one small Netty event loop group ({@link #IO_THREADS} threads).
 */
public final class NettyTransportProvider implements TransportProvider {
  /** Netty I/O threads of one endpoint. Many ranks may share a small machine: keep it small. */
  public static final ConfigKey IO_THREADS =
      ConfigKey.integer(
          "eep_tcp_io_threads",
          1,
          1,
          16,
          "tcp transport: Netty I/O threads per endpoint (many ranks may share a few cores).");

  /** How long {@link Transport#connect} waits for a peer's listener to accept. */
  public static final ConfigKey CONNECT_TIMEOUT_MS =
      ConfigKey.integer(
          "eep_tcp_connect_timeout_ms",
          10_000,
          1,
          600_000,
          "tcp transport: how long connecting to a peer may take before it counts as failed.");

  /** The name {@code eep_transport} selects this provider by. */
  public static final String NAME = "tcp";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<ConfigKey> configKeys() {
    return List.of(IO_THREADS, CONNECT_TIMEOUT_MS);
  }

  @Override
  public Transport create(EepConfig config, int rank) {
    requireNonNull(config, "config is null");
    TcpSettings settings =
        new TcpSettings(
            config.getString(EepKeys.HOST),
            config.getInt(IO_THREADS),
            Duration.ofMillis(config.getLong(CONNECT_TIMEOUT_MS)),
            config.getInt(EepKeys.MAX_RANKS));
    return NettyTransport.open(settings, rank, FrameAuth.from(config));
  }
}
