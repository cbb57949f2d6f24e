package org.eep.comm.ucx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Map;
import org.eep.api.comm.MessageHeader;
import org.eep.api.comm.PeerFailedException;
import org.eep.api.comm.Phase;
import org.eep.api.comm.Transport;
import org.eep.api.comm.TransportException;
import org.eep.api.comm.TransportProvider;
import org.eep.api.config.ConfigException;
import org.eep.api.config.EepConfig;
import org.eep.api.spi.Providers;
import org.junit.jupiter.api.Test;

/** What the contract kit leaves out: discovery, configuration, addresses, and misuse. */
class UcxTransportProviderTest {
  private static final MessageHeader HELLO = new MessageHeader(0, 0, 0, 0, 0, Phase.CONTROL, 0);

  private static EepConfig config(int maxRanks) {
    return EepConfig.of(
        Map.of("eep_transport", "ucx", "eep_max_ranks", maxRanks, "eep_host", "127.0.0.1"));
  }

  private static Transport create(int rank, int maxRanks) {
    return Providers.find(TransportProvider.class, "ucx").create(config(maxRanks), rank);
  }

  @Test
  void isFoundByNameAndDeclaresItsSpinKey() {
    TransportProvider ucx = Providers.find(TransportProvider.class, "ucx");
    assertThat(ucx).isInstanceOf(UcxTransportProvider.class);
    assertThat(ucx.configKeys()).containsExactly(UcxTransportProvider.SPIN_US);
    assertThat(config(2).with("eep_ucx_spin_us", 0).getInt(UcxTransportProvider.SPIN_US)).isZero();
    assertThatThrownBy(() -> config(2).with("eep_ucx_spin_us", -1))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void listensOnTheConfiguredHostAtAFreshPortEachTime() {
    try (Transport a = create(0, 2);
        Transport b = create(1, 2)) {
      assertThat(a.address()).matches("ucx://127\\.0\\.0\\.1:\\d+");
      assertThat(b.address()).matches("ucx://127\\.0\\.0\\.1:\\d+").isNotEqualTo(a.address());
      assertThat(a.rank()).isZero();
      assertThat(b.rank()).isEqualTo(1);
    }
  }

  @Test
  void connectingToAnotherRanksAddressFails() {
    try (Transport t0 = create(0, 3);
        Transport t2 = create(2, 3)) {
      assertThatThrownBy(() -> t0.connect(1, t2.address()))
          .isInstanceOf(TransportException.class)
          .hasMessageContaining("rank 2");
    }
  }

  @Test
  void connectingToAnAddressWhereNothingListensIsAPeerFailure() throws Exception {
    // A bound socket that does not listen: its port refuses connections and nobody else can take
    // it.
    try (SocketChannel bound =
            SocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Transport t = create(0, 2)) {
      int port = ((InetSocketAddress) bound.getLocalAddress()).getPort();
      assertThatThrownBy(() -> t.connect(1, "ucx://127.0.0.1:" + port))
          .isInstanceOf(PeerFailedException.class)
          .satisfies(e -> assertThat(((PeerFailedException) e).peer()).isEqualTo(1));
      assertThatThrownBy(() -> t.connect(1, "tcp://127.0.0.1:" + port))
          .isInstanceOf(TransportException.class);
    }
  }

  @Test
  void sendingToANeverConnectedPeerOrAfterCloseFails() {
    Transport t = create(0, 2);
    assertThatThrownBy(() -> t.send(1, HELLO, ByteBuffer.allocate(1)))
        .isInstanceOf(TransportException.class)
        .isNotInstanceOf(PeerFailedException.class)
        .hasMessageContaining("no connection to rank 1");
    t.close();
    t.close();
    assertThatThrownBy(() -> t.send(1, HELLO, ByteBuffer.allocate(1)))
        .hasMessageContaining("closed");
  }
}
