package org.eep.comm.ucx;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.eep.api.comm.FrameAuth;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportException;
import org.eep.api.comm.TransportProvider;
import org.eep.api.config.ConfigKey;
import org.eep.api.config.EepConfig;
import org.eep.api.config.EepKeys;
import org.eep.comm.ucx.internal.UcxTransport;
import org.eep.comm.ucx.internal.UcxTransportOptions;

/**
 * Transport {@code ucx}: one UCP context, worker and progress thread per {@link Transport}, active
 * messages over one endpoint per peer with peer error handling (see the package documentation).
 *
 * <p>Found by {@link org.eep.api.spi.Providers} through {@code META-INF/services}; selected with
 * {@code eep_transport=ucx}. The runtime calls {@link #create} once per rank it hosts. Needs the
 * native UCX libraries (Debian: {@code apt-get install libucx0}); without them {@link #create}
 * throws a {@link TransportException} that says so. With {@code eep_secret} set, every frame
 * carries an HMAC tag ({@link FrameAuth#from(EepConfig)}) and frames without a valid one are
 * refused and counted ({@link org.eep.api.comm.TransportStats#droppedUnauthenticated()}). Stateless
 * and thread-safe.
 */
public final class UcxTransportProvider implements TransportProvider {
  /**
   * How long the progress thread polls an idle worker before it sleeps in {@code ucp_worker_wait}.
   */
  public static final ConfigKey SPIN_US =
      ConfigKey.integer(
          "eep_ucx_spin_us",
          50,
          0,
          1_000_000,
          "Microseconds the UCX progress thread keeps polling an idle worker before it sleeps in "
              + "ucp_worker_wait; 0 sleeps at once. Raise it when every rank has a core of its own.");

  @Override
  public String name() {
    return "ucx";
  }

  @Override
  public List<ConfigKey> configKeys() {
    return List.of(SPIN_US);
  }

  /**
   * A listening UCX endpoint for {@code rank}: its listener is bound to {@code eep_host} on a fresh
   * ephemeral port.
   *
   * @throws TransportException if libucp cannot be loaded or UCX cannot listen
   */
  @Override
  public Transport create(EepConfig config, int rank) {
    requireNonNull(config, "config is null");
    UcxTransportOptions options =
        new UcxTransportOptions(
            rank,
            config.getInt(EepKeys.MAX_RANKS),
            config.getString(EepKeys.HOST),
            config.getLong(SPIN_US) * 1_000L);
    return UcxTransport.open(options, FrameAuth.from(config));
  }
}
