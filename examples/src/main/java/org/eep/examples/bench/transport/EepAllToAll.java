package org.eep.examples.bench.transport;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.MessageKey;
import org.eep.api.comm.Phase;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportProvider;
import org.eep.api.config.EepConfig;
import org.eep.api.spi.Providers;

/**
 * The benchmark traffic through the transport SPI: provider found by name, one {@link Transport}
 * per rank, every pair connected.
 */
final class EepAllToAll extends AllToAll {
  private static final Duration RECEIVE_TIMEOUT = Duration.ofSeconds(60);
  private static final Phase[] PHASES = {Phase.DISPATCH, Phase.COMBINE};

  private final Transport[] transports;
  private final ByteBuffer payload;

  EepAllToAll(
      String provider, int ranks, int payloadBytes, String instance, Map<String, ?> extraOptions) {
    super("bench-" + provider + "-rank", ranks);
    EepConfig config =
        EepConfig.fromEnvironment(
                Map.of(
                    "eep_transport",
                    provider,
                    "eep_instance",
                    instance,
                    "eep_max_ranks",
                    ranks,
                    "eep_host",
                    "127.0.0.1"))
            .with(extraOptions);
    TransportProvider p = Providers.find(TransportProvider.class, provider);
    transports = new Transport[ranks];
    try {
      for (int r = 0; r < ranks; r++) {
        transports[r] = p.create(config, r);
      }
      for (int a = 0; a < ranks; a++) {
        for (int b = 0; b < ranks; b++) {
          if (a != b) {
            transports[a].connect(b, transports[b].address());
          }
        }
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    payload = ByteBuffer.allocateDirect(payloadBytes);
    for (int i = 0; i < payloadBytes; i++) {
      payload.put(i, (byte) i);
    }
  }

  @Override
  void rounds(int rank, long first, long end) throws Exception {
    Transport t = transports[rank];
    for (long round = first; round < end; round++) {
      for (Phase phase : PHASES) {
        for (int peer = 0; peer < transports.length; peer++) {
          if (peer != rank) {
            t.send(peer, new MessageHeader(rank, 0, 0, round, 0, phase, 0), payload.duplicate());
          }
        }
        for (int peer = 0; peer < transports.length; peer++) {
          if (peer != rank) {
            t.receive(new MessageKey(peer, 0, round, 0, phase, 0), RECEIVE_TIMEOUT);
          }
        }
      }
    }
  }

  @Override
  void release() {
    for (Transport t : transports) {
      if (t != null) {
        t.close();
      }
    }
  }
}
