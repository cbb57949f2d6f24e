package org.eep.examples.bench.transport;

import java.time.Duration;
import java.util.Map;
import org.eep.api.comm.MessageKey;
import org.eep.api.comm.Phase;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportProvider;
import org.eep.api.config.EepConfig;
import org.eep.api.spi.Providers;

/**
 * The victim of the kill-detection benchmark, run in a child JVM: rank 1 of 2 on the {@code ucx}
 * transport. Prints {@code ADDRESS <address>}, then {@code READY} once rank 0's hello (CONTROL,
 * step 0) has arrived, so the parent knows the connection is up; then waits to be killed (or for
 * stdin to close, should the parent die first).
 */
public final class TransportBenchChild {
  private TransportBenchChild() {}

  public static void main(String[] args) throws Exception {
    EepConfig config =
        EepConfig.fromEnvironment(
            Map.of("eep_transport", "ucx", "eep_max_ranks", 2, "eep_host", "127.0.0.1"));
    try (Transport t = Providers.find(TransportProvider.class, "ucx").create(config, 1)) {
      System.out.println("ADDRESS " + t.address());
      System.out.flush();
      t.receive(new MessageKey(0, 0, 0, 0, Phase.CONTROL, 0), Duration.ofMinutes(2));
      System.out.println("READY");
      System.out.flush();
      while (System.in.read() >= 0) {
        // the parent kills this process; a closed stdin means the parent is gone
      }
    }
  }
}
