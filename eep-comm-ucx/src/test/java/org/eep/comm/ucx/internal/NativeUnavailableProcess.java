package org.eep.comm.ucx.internal;

import java.util.Map;
import org.eep.api.comm.TransportException;
import org.eep.api.comm.TransportProvider;
import org.eep.api.config.EepConfig;
import org.eep.api.spi.Providers;

/**
 * A child JVM for tests: creates the ucx transport twice and prints each failure's class and
 * message.
 */
public final class NativeUnavailableProcess {
  private NativeUnavailableProcess() {}

  public static void main(String[] args) {
    EepConfig config = EepConfig.of(Map.of("eep_transport", "ucx", "eep_max_ranks", 2));
    TransportProvider ucx = Providers.find(TransportProvider.class, "ucx");
    for (int attempt = 0; attempt < 2; attempt++) {
      try {
        ucx.create(config, 0).close();
        System.out.println("CREATED");
      } catch (TransportException e) {
        System.out.println("FAILED " + e.getClass().getName() + ": " + e.getMessage());
      }
    }
  }
}
