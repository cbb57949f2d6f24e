package org.eep.comm.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class TcpAddressTest {
  @Test
  void roundTripsIpv4AndIpv6() {
    assertThat(TcpAddress.parse("tcp://127.0.0.1:4000"))
        .isEqualTo(new TcpAddress("127.0.0.1", 4000));
    TcpAddress v6 = TcpAddress.of(new InetSocketAddress("::1", 4001));
    assertThat(v6.toString()).isEqualTo("tcp://[0:0:0:0:0:0:0:1]:4001");
    assertThat(TcpAddress.parse(v6.toString())).isEqualTo(v6);
  }

  @Test
  void rejectsWhatIsNotTcpHostPort() {
    for (String bad :
        new String[] {
          "local://eep/1#2",
          "tcp://127.0.0.1",
          "tcp://127.0.0.1:1/path",
          "127.0.0.1:80",
          "tcp:// :1"
        }) {
      assertThatThrownBy(() -> TcpAddress.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("tcp://HOST:PORT");
    }
  }
}
