package org.eep.placement.repair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TierBandwidthsTest {

  @Test
  void parsesGigabytesPerSecondAndLeavesMissingTiersAbsent() {
    TierBandwidths b = TierBandwidths.parseGBps("peer=10, host=20.5");
    assertThat(b.of(Tier.PEER)).isEqualTo(10e9);
    assertThat(b.of(Tier.HOST)).isEqualTo(20.5e9);
    assertThat(b.has(Tier.DISK)).isFalse();
    assertThat(TierBandwidths.parseGBps(b.toString())).isEqualTo(b);
  }

  @Test
  void rejectsBadSpecs() {
    assertThatThrownBy(() -> TierBandwidths.parseGBps("nvme=3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nvme");
    assertThatThrownBy(() -> TierBandwidths.parseGBps("peer=fast"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("peer");
    assertThatThrownBy(() -> TierBandwidths.parseGBps("auto"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TierBandwidths(-1, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void withoutAndOnly() {
    TierBandwidths b = TierBandwidths.ofGBps(1, 2, 3);
    assertThat(b.without(Tier.HOST)).isEqualTo(TierBandwidths.ofGBps(1, 0, 3));
    assertThat(b.only(Tier.DISK)).isEqualTo(TierBandwidths.ofGBps(0, 0, 3));
  }
}
