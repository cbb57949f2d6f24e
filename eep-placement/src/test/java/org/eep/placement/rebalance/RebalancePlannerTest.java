package org.eep.placement.rebalance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LoadSnapshot;
import org.eep.api.placement.PlacementRequest;
import org.eep.placement.balanced.BalancedPlacementPolicy;
import org.junit.jupiter.api.Test;

class RebalancePlannerTest {
  private static final int EXPERTS = 64;
  private static final int RANKS = 8;
  private static final int SPR = 10;
  private static final long BYTES = 1000;

  private final BalancedPlacementPolicy policy = new BalancedPlacementPolicy();
  private final RebalancePlanner planner = new RebalancePlanner(policy, 0.02);

  private static BitSet ranks(int... r) {
    BitSet b = new BitSet();
    for (int x : r) {
      b.set(x);
    }
    return b;
  }

  private static BitSet all() {
    BitSet b = new BitSet();
    b.set(0, RANKS);
    return b;
  }

  private ExpertPlacement uniform(BitSet usable) {
    return policy.place(
        new PlacementRequest(EXPERTS, RANKS, SPR, usable, LoadSnapshot.uniform(EXPERTS), 1));
  }

  private static ExpertPlacement applied(ExpertPlacement before, RebalancePlan plan) {
    int[] slots = before.physicalToLogical();
    for (SlotMove m : plan.moves()) {
      assertThat(slots[m.physicalSlot()]).isEqualTo(m.fromExpert());
      slots[m.physicalSlot()] = m.toExpert();
    }
    return new ExpertPlacement(RANKS, SPR, EXPERTS, slots);
  }

  @Test
  void aSkewedLoadIsBalancedByMovingOnlyTheSlotsThatChange() {
    ExpertPlacement before = uniform(all());
    LoadSnapshot zipf = LoadSnapshot.zipf(EXPERTS, 1.2, 7);
    RebalancePlan plan = planner.plan(before, all(), zipf, 1, BYTES, Long.MAX_VALUE);

    assertThat(plan.imbalanceBefore()).isGreaterThan(1.5);
    assertThat(plan.imbalanceAfter()).isLessThanOrEqualTo(1.10);
    assertThat(plan.after()).isEqualTo(applied(before, plan));
    assertThat(plan.moves()).hasSizeLessThan(RANKS * SPR);
    assertThat(plan.imbalanceAfter())
        .isEqualTo(RebalancePlanner.imbalance(plan.after(), all(), zipf.tokensPerExpert()));
    for (int e = 0; e < EXPERTS; e++) {
      assertThat(plan.after().replicaCount(e)).isPositive();
    }
  }

  @Test
  void theSamePlanOnEveryCall() {
    ExpertPlacement before = uniform(all());
    LoadSnapshot zipf = LoadSnapshot.zipf(EXPERTS, 1.2, 3);
    assertThat(planner.plan(before, all(), zipf, 1, BYTES, Long.MAX_VALUE))
        .isEqualTo(planner.plan(before, all(), zipf, 1, BYTES, Long.MAX_VALUE));
  }

  @Test
  void aBalancedLoadMovesNothing() {
    ExpertPlacement before = uniform(all());
    RebalancePlan plan =
        planner.plan(before, all(), LoadSnapshot.uniform(EXPERTS), 1, BYTES, Long.MAX_VALUE);
    assertThat(plan.empty()).isTrue();
    assertThat(plan.after()).isEqualTo(before);
  }

  @Test
  void slotsOfRanksThatAreNotActiveKeepTheirExperts() {
    ExpertPlacement before = uniform(all());
    BitSet survivors = ranks(0, 1, 2, 4, 5, 6, 7);
    RebalancePlan plan =
        planner.plan(before, survivors, LoadSnapshot.zipf(EXPERTS, 1.2, 7), 1, BYTES, 1 << 30);
    assertThat(plan.after().expertsOn(3)).isEqualTo(before.expertsOn(3));
    assertThat(plan.moves()).allSatisfy(m -> assertThat(m.targetRank()).isNotEqualTo(3));
    for (int e = 0; e < EXPERTS; e++) {
      boolean covered = false;
      for (int p : plan.after().replicas(e)) {
        covered |= survivors.get(p / SPR);
      }
      assertThat(covered).as("expert %d covered", e).isTrue();
    }
  }

  @Test
  void theBudgetBoundsTheMovesAndCoverageIsKept() {
    ExpertPlacement before = uniform(all());
    LoadSnapshot zipf = LoadSnapshot.zipf(EXPERTS, 1.2, 7);
    RebalancePlan full = planner.plan(before, all(), zipf, 1, BYTES, Long.MAX_VALUE);
    RebalancePlan part = planner.plan(before, all(), zipf, 1, BYTES, 5 * BYTES);
    assertThat(part.moves()).hasSizeLessThanOrEqualTo(5).isNotEmpty();
    assertThat(part.moves().size()).isLessThan(full.moves().size());
    assertThat(part.after()).isEqualTo(applied(before, part));
    for (int e = 0; e < EXPERTS; e++) {
      assertThat(part.after().replicaCount(e)).isPositive();
    }
    assertThat(part.imbalanceAfter()).isLessThan(part.imbalanceBefore());
  }
}
