package org.eep.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.eep.api.config.EepConfig;
import org.junit.jupiter.api.Test;

class SizingTest {

  @Test
  void explicitRedundancyRoundsUpToWholeRanks() {
    assertThat(Sizing.slotsPerRank(256, 32, 32)).isEqualTo(9);
    assertThat(Sizing.slotsPerRank(256, 64, 32)).isEqualTo(5);
    assertThat(Sizing.slotsPerRank(10, 4, 0)).isEqualTo(3);
    assertThat(Sizing.slotsPerRank(8, 4, 0)).isEqualTo(2);
    assertThat(Sizing.slotsPerRank(8, 4, "4")).isEqualTo(3);
    assertThat(Sizing.redundantExperts(10, 4, 3)).isEqualTo(2);
  }

  @Test
  void autoIsTheSmallestSizingThatSurvivesOneFailure() {
    assertThat(Sizing.slotsPerRankAuto(16, 4)).isEqualTo(6);
    assertThat(Sizing.slotsPerRankAuto(16, 8)).isEqualTo(3);
    assertThat(Sizing.slotsPerRankAuto(256, 32)).isEqualTo(9);
    assertThat(Sizing.slotsPerRankAuto(16, 1)).isEqualTo(16);
    assertThat(Sizing.slotsPerRank(16, 4, "auto")).isEqualTo(6);
    for (int logical : new int[] {1, 7, 16, 60, 256}) {
      for (int ranks = 2; ranks <= 64; ranks++) {
        int spr = Sizing.slotsPerRankAuto(logical, ranks);
        assertThat(Sizing.survives(logical, ranks, spr, 1)).isTrue();
        assertThat(spr == 1 || !Sizing.survives(logical, ranks, spr - 1, 1))
            .as("auto is minimal for %d experts on %d ranks", logical, ranks)
            .isTrue();
      }
    }
  }

  @Test
  void readsTheConfiguration() {
    EepConfig auto = EepConfig.of(Map.of("eep_max_ranks", "4", "eep_redundant_experts", "auto"));
    assertThat(Sizing.slotsPerRank(auto, 16)).isEqualTo(6);
    EepConfig fixed = EepConfig.of(Map.of("eep_max_ranks", "4", "eep_redundant_experts", "2"));
    assertThat(Sizing.slotsPerRank(fixed, 16)).isEqualTo(5);
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> Sizing.slotsPerRank(16, 4, "lots"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("auto");
    assertThatThrownBy(() -> Sizing.slotsPerRank(16, 4, -1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Sizing.slotsPerRank(16, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Sizing.slotsPerRankAuto(0, 4))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
