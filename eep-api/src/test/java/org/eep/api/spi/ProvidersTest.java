package org.eep.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.eep.api.comm.TransportProvider;
import org.eep.api.membership.MembershipProvider;
import org.junit.jupiter.api.Test;

class ProvidersTest {

  @Test
  void findsTheInProcessProvidersByName() {
    assertThat(Providers.find(TransportProvider.class, "local").name()).isEqualTo("local");
    assertThat(Providers.all(MembershipProvider.class)).containsOnlyKeys("local", "static");
  }

  @Test
  void anUnknownNameFailsListingTheNamesPresent() {
    assertThatThrownBy(() -> Providers.find(TransportProvider.class, "carrier-pigeon"))
        .isInstanceOf(UnknownProviderException.class)
        .hasMessage("No transport provider named 'carrier-pigeon'. Present: local.");
  }

  @Test
  void aKnownNameWhoseJarIsMissingSaysWhichArtifactToAdd() {
    assertThatThrownBy(() -> Providers.find(MembershipProvider.class, "zookeeper"))
        .isInstanceOf(UnknownProviderException.class)
        .hasMessage(
            "No membership provider named 'zookeeper'. Present: local, static."
                + " 'zookeeper' is provided by org.eep:eep-membership-zookeeper: add it to the class path.");
  }
}
