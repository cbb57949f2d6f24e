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
final class EepAllToAll implements AllToAll {
  private static final Duration RECEIVE_TIMEOUT = Duration.ofSeconds(60);
  private static final Phase[] PHASES = {Phase.DISPATCH, Phase.COMBINE};

  private final Transport[] transports;
  private final ByteBuffer payload;
  private final RankThreads threads;
  private long nextRound;

  EepAllToAll(
      String provider, int ranks, int payloadBytes, String instance, Map<String, ?> extraOptions) {
    EepConfig config =
        EepConfig.of(
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
    threads = new RankThreads("bench-" + provider + "-rank", ranks);
  }

  @Override
  public long run(int rounds) throws Exception {
    long first = nextRound;
    nextRound += rounds;
    return threads.run(
        rank -> {
          Transport t = transports[rank];
          for (long round = first; round < first + rounds; round++) {
            for (Phase phase : PHASES) {
              for (int peer = 0; peer < transports.length; peer++) {
                if (peer != rank) {
                  t.send(
                      peer, new MessageHeader(rank, 0, 0, round, 0, phase, 0), payload.duplicate());
                }
              }
              for (int peer = 0; peer < transports.length; peer++) {
                if (peer != rank) {
                  t.receive(new MessageKey(peer, 0, round, 0, phase, 0), RECEIVE_TIMEOUT);
                }
              }
            }
          }
        });
  }

  @Override
  public void close() {
    if (threads != null) {
      threads.close();
    }
    for (Transport t : transports) {
      if (t != null) {
        t.close();
      }
    }
  }
}
