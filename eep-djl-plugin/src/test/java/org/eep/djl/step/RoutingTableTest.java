package org.eep.djl.step;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Slot;
import org.eep.api.membership.SlotState;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LayerMap;
import org.junit.jupiter.api.Test;

/**
 * The routing tables change in place, and a change that cannot be made in place is counted as a
 * rebuild.
 */
class RoutingTableTest {
  private static final LayerMap ID = LayerMap.identity(1, 3);

  /** Two ranks of three slots: ranks ACTIVE as given. */
  private static MembershipView view(boolean rank0, boolean rank1) {
    return MembershipView.initial(2)
        .next(new Slot(0, rank0 ? SlotState.ACTIVE : SlotState.FAILED, 1, "a0"), "x")
        .next(new Slot(1, rank1 ? SlotState.ACTIVE : SlotState.FAILED, 1, "a1"), "x");
  }

  @Test
  void updatesWithinTheTablesShapeReuseTheNativeBuffersAndCountNoRebuild() {
    try (NDManager m = NDManager.newBaseManager()) {
      RoutingTable t = new RoutingTable(m, 1, 3, 2);
      NDArray replicas = t.replicaTensor();
      ExpertPlacement p = new ExpertPlacement(2, 3, 3, new int[] {0, 1, 2, 0, 1, 2});
      t.update(p, ID, view(true, true));
      assertThat(t.count(0)).isEqualTo(2);
      t.update(p, ID, view(true, false));
      assertThat(t.count(0)).isEqualTo(1);
      assertThat(t.replica(0, 0)).isEqualTo(0);
      assertThat(t.replicaTensor()).isSameAs(replicas);
      assertThat(t.replicaTensor().toIntArray()).containsExactly(0, -1, 1, -1, 2, -1);
      assertThat(t.updates()).isEqualTo(2);
      assertThat(t.rebuilds()).isZero();
    }
  }

  @Test
  void aPlacementWithMoreActiveReplicasThanTheTableIsWideRebuildsItAndCountsTheRebuild() {
    try (NDManager m = NDManager.newBaseManager()) {
      RoutingTable t = new RoutingTable(m, 1, 3, 2);
      NDArray before = t.replicaTensor();
      // Expert 0 on three slots of two ranks: three active replicas in a table two wide.
      ExpertPlacement crowded = new ExpertPlacement(2, 3, 3, new int[] {0, 0, 1, 0, 2, -1});
      t.update(crowded, ID, view(true, true));
      assertThat(t.rebuilds()).isEqualTo(1);
      assertThat(t.replicaTensor()).isNotSameAs(before);
      assertThat(t.count(0)).isEqualTo(3);
      assertThat(new int[] {t.replica(0, 0), t.replica(0, 1), t.replica(0, 2)})
          .containsExactly(0, 1, 3);
      // Once wide enough, later updates are in place again.
      NDArray wide = t.replicaTensor();
      t.update(crowded, ID, view(false, true));
      assertThat(t.replicaTensor()).isSameAs(wide);
      assertThat(t.rebuilds()).isEqualTo(1);
      assertThat(t.count(0)).isEqualTo(1);
    }
  }

  @Test
  void aLayerMapRoutesEachLayersExpertToItsColumnAndNamesUncoveredLogicalExperts() {
    try (NDManager m = NDManager.newBaseManager()) {
      RoutingTable t = new RoutingTable(m, 2, 3, 2);
      NDArray columns = t.columnTensor();
      // Layer 1 swaps experts 0 and 2: column 0 is expert 2 there.
      LayerMap swapped = new LayerMap(new int[][] {{0, 1, 2}, {2, 1, 0}});
      ExpertPlacement p = new ExpertPlacement(2, 3, 3, new int[] {0, 1, -1, 2, 1, -1});
      t.update(p, swapped, view(true, false));
      assertThat(t.column(0, 0)).isZero();
      assertThat(t.column(1, 2)).isZero();
      assertThat(t.count(t.column(1, 2))).isEqualTo(1);
      // Column 2 (expert 2 in layer 0, expert 0 in layer 1) has no active replica.
      assertThat(t.uncovered()).containsExactly(0, 2);
      assertThat(t.columnTensor()).isSameAs(columns);
      assertThat(t.columnTensor().toIntArray()).containsExactly(0, 1, 2, 2, 1, 0);
    }
  }
}
