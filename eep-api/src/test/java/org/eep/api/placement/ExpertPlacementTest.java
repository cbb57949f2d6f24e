package org.eep.api.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

class ExpertPlacementTest {
  @Test
  void mapsBothWays() {
    ExpertPlacement p = new ExpertPlacement(2, 3, 4, new int[] {0, 1, 2, 3, 0, -1});
    assertThat(p.physicalSlots()).isEqualTo(6);
    assertThat(p.replicas(0)).containsExactly(0, 4);
    assertThat(p.replicas(3)).containsExactly(3);
    assertThat(p.rankOf(4)).isEqualTo(1);
    assertThat(p.expertsOn(1)).containsExactly(3, 0, -1);
    assertThat(p.maxReplicas()).isEqualTo(2);
    assertThat(p.withSlot(5, 2).replicas(2)).containsExactly(2, 5);
    assertThat(p).isEqualTo(new ExpertPlacement(2, 3, 4, new int[] {0, 1, 2, 3, 0, -1}));
    BitSet onlyRank1 = new BitSet();
    onlyRank1.set(1);
    assertThat(p.activeReplicaCount(0, onlyRank1)).isEqualTo(1);
    assertThat(p.activeReplicaCount(1, onlyRank1)).isZero();
  }

  @Test
  void rejectsExpertsOutOfRange() {
    assertThatThrownBy(() -> new ExpertPlacement(1, 2, 2, new int[] {0, 2}))
        .hasMessageContaining("physical slot 1 holds expert 2");
  }
}
