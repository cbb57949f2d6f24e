package org.eep.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.eep.api.comm.TransportProvider;
import org.eep.api.membership.MembershipProvider;
import org.eep.api.spi.Providers;
import org.eep.api.spi.UnknownProviderException;
import org.junit.jupiter.api.Test;

/**
 * Discovery as a third party gets it: every provider found by name from its jar, none named by the
 * runtime.
 */
class ProviderDiscoveryIT {
  @Test
  void everyProviderOnTheClassPathIsFoundByName() {
    assertThat(Providers.all(TransportProvider.class)).containsOnlyKeys("local", "tcp", "ucx");
    assertThat(Providers.all(MembershipProvider.class))
        .containsOnlyKeys("local", "static", "zookeeper");
  }

  @Test
  void aNameNoJarProvidesFailsListingLocalTcpAndUcx() {
    assertThatThrownBy(() -> Providers.find(TransportProvider.class, "rdma"))
        .isInstanceOf(UnknownProviderException.class)
        .hasMessage("No transport provider named 'rdma'. Present: local, tcp, ucx.");
  }
}
