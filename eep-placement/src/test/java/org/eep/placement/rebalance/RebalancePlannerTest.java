package org.eep.placement.rebalance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LayerMap;
import org.eep.api.placement.LoadSnapshot;
import org.eep.api.placement.PlacementRequest;
import org.eep.placement.balanced.BalancedPlacementPolicy;
import org.eep.placement.repair.SourceCatalog;
import org.eep.placement.repair.Tier;
import org.eep.placement.repair.TierBandwidths;
import org.junit.jupiter.api.Test;

class RebalancePlannerTest {
  private static final int EXPERTS = 64;
  private static final int RANKS = 8;
  private static final int SPR = 10;
  private static final long BYTES = 1000;

  private final BalancedPlacementPolicy policy = new BalancedPlacementPolicy();
  private final RebalancePlanner planner =
      new RebalancePlanner(
          policy, TierBandwidths.ofGBps(4, 2, 0.5), SourceCatalog.diskOnly(), 0.02);

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

  private static double[][] layers(long... seeds) {
    double[][] load = new double[seeds.length][];
    for (int l = 0; l < seeds.length; l++) {
      load[l] = LoadSnapshot.zipf(EXPERTS, 1.2, seeds[l]).tokensPerExpert();
    }
    return load;
  }

  /** What every slot holds in every layer: {@code [layer][physical slot]}, -1 for empty. */
  private static int[][] contents(ExpertPlacement p, LayerMap map) {
    int[][] out = new int[map.layers()][p.physicalSlots()];
    for (int l = 0; l < map.layers(); l++) {
      for (int s = 0; s < p.physicalSlots(); s++) {
        int c = p.logicalOf(s);
        out[l][s] = c < 0 ? -1 : map.logicalOf(l, c);
      }
    }
    return out;
  }

  /** The plan's loads applied to what the slots held before give what they hold after. */
  private static void assertLoadsMakeTheAfterContents(RebalancePlan plan, BitSet active) {
    int slotsPerRank = plan.before().slotsPerRank();
    int[][] now = contents(plan.before(), plan.mapBefore());
    for (SlotLoad load : plan.loads()) {
      now[load.layer()][load.physicalSlot()] = load.expert();
    }
    int[][] after = contents(plan.after(), plan.mapAfter());
    for (int l = 0; l < now.length; l++) {
      for (int s = 0; s < now[l].length; s++) {
        if (active.get(s / slotsPerRank)) {
          assertThat(now[l][s]).as("layer %d slot %d", l, s).isEqualTo(after[l][s]);
        }
      }
    }
  }

  private static void assertEveryExpertCovered(RebalancePlan plan, BitSet active) {
    for (int l = 0; l < plan.mapAfter().layers(); l++) {
      for (int e = 0; e < EXPERTS; e++) {
        boolean covered = false;
        for (int p : plan.after().replicas(plan.mapAfter().columnOf(l, e))) {
          covered |= active.get(p / SPR);
        }
        assertThat(covered).as("layer %d expert %d covered", l, e).isTrue();
      }
    }
  }

  @Test
  void aSkewedLoadIsBalancedByLoadingOnlyWhatChanges() {
    ExpertPlacement before = uniform(all());
    LayerMap identity = LayerMap.identity(1, EXPERTS);
    RebalancePlan plan =
        planner.plan(before, identity, all(), 7, layers(7), 1, BYTES, Long.MAX_VALUE);

    assertThat(plan.imbalanceBefore()).isGreaterThan(1.5);
    assertThat(plan.imbalanceAfter()).isLessThanOrEqualTo(1.10);
    assertThat(plan.loads()).isNotEmpty().hasSizeLessThan(RANKS * SPR);
    assertLoadsMakeTheAfterContents(plan, all());
    assertEveryExpertCovered(plan, all());
  }

  @Test
  void aLoadComesFromAPeerThatHoldsItWhenPeersAreFastest() {
    ExpertPlacement before = uniform(all());
    LayerMap identity = LayerMap.identity(1, EXPERTS);
    RebalancePlan plan =
        planner.plan(before, identity, all(), 7, layers(7), 1, BYTES, Long.MAX_VALUE);
    assertThat(plan.loads()).isNotEmpty();
    for (SlotLoad load : plan.loads()) {
      boolean held = before.replicas(load.expert()).length > 0;
      assertThat(load.source()).isEqualTo(held ? Tier.PEER : Tier.DISK);
      if (load.source() == Tier.PEER) {
        assertThat(load.sourceRank()).isNotEqualTo(load.targetRank());
        assertThat(before.logicalOf(load.sourceSlot())).isEqualTo(load.expert());
        assertThat(load.sourceSlot() / SPR).isEqualTo(load.sourceRank());
      }
    }
    RebalancePlanner diskFirst =
        new RebalancePlanner(
            policy, TierBandwidths.ofGBps(1, 2, 8), SourceCatalog.diskOnly(), 0.02);
    assertThat(
            diskFirst.plan(before, identity, all(), 7, layers(7), 1, BYTES, Long.MAX_VALUE).loads())
        .allSatisfy(load -> assertThat(load.source()).isEqualTo(Tier.DISK));
  }

  @Test
  void layersWithDifferentPopularitiesAreEachBalanced() {
    ExpertPlacement before = uniform(all());
    double[][] load = layers(3, 11, 19, 27);
    RebalancePlan plan =
        planner.plan(
            before, LayerMap.identity(4, EXPERTS), all(), 5, load, 1, BYTES, Long.MAX_VALUE);
    assertThat(plan.mapAfter()).isNotEqualTo(plan.mapBefore());
    assertThat(plan.layerImbalanceBefore()).isGreaterThan(1.5);
    assertThat(plan.layerImbalanceAfter()).isLessThanOrEqualTo(1.2);
    assertThat(plan.layerImbalanceAfter()).isLessThan(plan.layerImbalanceBefore() - 0.3);
    assertLoadsMakeTheAfterContents(plan, all());
    assertEveryExpertCovered(plan, all());
  }

  @Test
  void theSamePlanOnEveryCall() {
    ExpertPlacement before = uniform(all());
    LayerMap map = LayerMap.identity(2, EXPERTS);
    assertThat(planner.plan(before, map, all(), 3, layers(3, 4), 1, BYTES, Long.MAX_VALUE))
        .isEqualTo(planner.plan(before, map, all(), 3, layers(3, 4), 1, BYTES, Long.MAX_VALUE));
  }

  @Test
  void aBalancedLoadMovesNothing() {
    ExpertPlacement before = uniform(all());
    double[][] flat = {LoadSnapshot.uniform(EXPERTS).tokensPerExpert()};
    RebalancePlan plan =
        planner.plan(
            before, LayerMap.identity(1, EXPERTS), all(), 1, flat, 1, BYTES, Long.MAX_VALUE);
    assertThat(plan.empty()).isTrue();
    assertThat(plan.after()).isEqualTo(before);
    assertThat(plan.mapAfter()).isEqualTo(plan.mapBefore());
  }

  @Test
  void slotsOfRanksThatAreNotActiveKeepTheirExperts() {
    ExpertPlacement before = uniform(all());
    BitSet survivors = ranks(0, 1, 2, 4, 5, 6, 7);
    RebalancePlan plan =
        planner.plan(
            before, LayerMap.identity(2, EXPERTS), survivors, 7, layers(7, 8), 1, BYTES, 1 << 30);
    assertThat(plan.after().expertsOn(3)).isEqualTo(before.expertsOn(3));
    assertThat(plan.loads()).allSatisfy(m -> assertThat(m.targetRank()).isNotEqualTo(3));
    assertLoadsMakeTheAfterContents(plan, survivors);
    assertEveryExpertCovered(plan, survivors);
  }

  @Test
  void aTightBudgetKeepsTheLayerMapAndMovesFewerSlotsWithCoverageKept() {
    ExpertPlacement before = uniform(all());
    LayerMap identity = LayerMap.identity(2, EXPERTS);
    double[][] load = layers(7, 9);
    RebalancePlan full = planner.plan(before, identity, all(), 7, load, 1, BYTES, Long.MAX_VALUE);
    RebalancePlan part = planner.plan(before, identity, all(), 7, load, 1, BYTES, 10 * BYTES);
    assertThat(part.mapAfter()).isEqualTo(identity);
    assertThat(part.loads()).hasSizeLessThanOrEqualTo(10).isNotEmpty();
    assertThat(part.loads().size()).isLessThan(full.loads().size());
    assertLoadsMakeTheAfterContents(part, all());
    assertEveryExpertCovered(part, all());
    assertThat(part.imbalanceAfter()).isLessThan(part.imbalanceBefore());
  }

  /**
   * Plans chained as a rank applies them (each from the last one's placement and layer map, under
   * changing loads and budgets, four ranks as in the rank-process tests): every plan starts from
   * what the slots hold, each peer load reads a slot that holds its expert in that layer, no slot
   * is loaded twice, and the loads make exactly the contents the plan's placement and map promise.
   */
  @Test
  void chainedPlansLoadWhatTheirPlacementPromisesFromSlotsThatHoldIt() {
    int experts = 16;
    int ranks = 4;
    BitSet active = new BitSet();
    active.set(0, ranks);
    for (int spr : new int[] {4, 5, 6}) {
      for (long seed = 0; seed < 20; seed++) {
        Random rnd = new Random(seed);
        ExpertPlacement placement =
            policy.place(
                new PlacementRequest(
                    experts, ranks, spr, active, LoadSnapshot.uniform(experts), 1));
        LayerMap map = LayerMap.identity(2, experts);
        int[][] held = contents(placement, map);
        for (int round = 0; round < 12; round++) {
          String at = "slots per rank " + spr + ", seed " + seed + ", round " + round;
          double[][] load = new double[2][];
          for (int l = 0; l < load.length; l++) {
            double skew = 0.5 + rnd.nextDouble() * 1.5;
            load[l] = LoadSnapshot.zipf(experts, skew, rnd.nextLong()).tokensPerExpert();
          }
          long budget = rnd.nextBoolean() ? Long.MAX_VALUE : BYTES * (1 + rnd.nextInt(20));
          RebalancePlan plan =
              planner.plan(placement, map, active, round * 6L, load, 1, BYTES, budget);
          assertThat(contents(plan.before(), plan.mapBefore())).as(at).isDeepEqualTo(held);
          Set<List<Integer>> loaded = new HashSet<>();
          for (SlotLoad m : plan.loads()) {
            assertThat(loaded.add(List.of(m.layer(), m.physicalSlot())))
                .as("%s: %s", at, m)
                .isTrue();
            if (m.source() == Tier.PEER) {
              assertThat(held[m.layer()][m.sourceSlot()])
                  .as("%s: source of %s", at, m)
                  .isEqualTo(m.expert());
            }
          }
          assertLoadsMakeTheAfterContents(plan, active);
          held = contents(plan.after(), plan.mapAfter());
          placement = plan.after();
          map = plan.mapAfter();
        }
      }
    }
  }
}
