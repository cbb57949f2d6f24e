package org.eep.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How {@code ./eep demo} fills in the transport and membership the flags leave open. */
class DemoCommandTest {
  @Test
  void withoutFlagsRankProcessesOverUcxWhenLibucxIsInstalledElseTcpAndSaysWhy() {
    DemoCommand.Providers ucx = DemoCommand.providers(null, null, () -> true);
    assertThat(ucx.transport()).isEqualTo("ucx");
    assertThat(ucx.membership()).isEqualTo("zookeeper");
    assertThat(ucx.why()).contains("libucx is installed");

    DemoCommand.Providers tcp = DemoCommand.providers(null, null, () -> false);
    assertThat(tcp.transport()).isEqualTo("tcp");
    assertThat(tcp.membership()).isEqualTo("zookeeper");
    assertThat(tcp.why())
        .contains("not installed")
        .contains("tcp instead of ucx")
        .doesNotContain("\n");
  }

  @Test
  void explicitFlagsAreKeptAndTheOtherOneFollows() {
    assertThat(DemoCommand.providers("local", "local", () -> true))
        .isEqualTo(new DemoCommand.Providers("local", "local", null));
    assertThat(DemoCommand.providers("local", null, () -> true))
        .isEqualTo(new DemoCommand.Providers("local", "local", null));
    assertThat(DemoCommand.providers("tcp", null, () -> true))
        .isEqualTo(new DemoCommand.Providers("tcp", "zookeeper", null));
    assertThat(DemoCommand.providers(null, "static", () -> true))
        .isEqualTo(new DemoCommand.Providers("local", "static", null));
    assertThat(DemoCommand.providers(null, "zookeeper", () -> false).transport()).isEqualTo("tcp");
  }
}
