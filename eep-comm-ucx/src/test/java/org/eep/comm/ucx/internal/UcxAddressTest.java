package org.eep.comm.ucx.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class UcxAddressTest {

  @Test
  void parsesAndPrintsTheSameForm() {
    UcxAddress a = UcxAddress.parse("ucx://127.0.0.1:40123");
    assertThat(a).isEqualTo(new UcxAddress("127.0.0.1", 40123));
    assertThat(a.toString()).isEqualTo("ucx://127.0.0.1:40123");
  }

  @Test
  void bracketsIpv6Hosts() throws Exception {
    UcxAddress a = UcxAddress.of(new InetSocketAddress(InetAddress.getByName("::1"), 7000));
    assertThat(a.toString()).isEqualTo("ucx://[0:0:0:0:0:0:0:1]:7000");
    assertThat(UcxAddress.parse(a.toString())).isEqualTo(a);
  }

  @Test
  void rejectsWhatIsNotAUcxAddress() {
    for (String bad :
        new String[] {
          "tcp://127.0.0.1:1",
          "ucx://127.0.0.1",
          "ucx://127.0.0.1:0",
          "ucx://127.0.0.1:1/x",
          "local://eep/0#1",
          "127.0.0.1:5",
          "ucx://:5",
          "ucx://127.0.0.1:5?q"
        }) {
      assertThatThrownBy(() -> UcxAddress.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
