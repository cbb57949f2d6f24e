package org.eep.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.eep.api.comm.TransportProvider;
import org.eep.api.spi.Providers;
import org.junit.jupiter.api.Test;

class ProviderDiscoveryIT {
  @Test
  void theLocalTransportIsFoundOnTheFullClassPath() {
    assertThat(Providers.all(TransportProvider.class)).containsKey("local");
  }
}
