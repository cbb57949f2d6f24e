package org.eep.placement.repair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.BiPredicate;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LoadSnapshot;
import org.eep.api.placement.PlacementRequest;
import org.eep.placement.Sizing;
import org.eep.placement.balanced.BalancedPlacementPolicy;
import org.junit.jupiter.api.Test;

class RepairPlannerTest {
  private static final long BYTES = 1_000_000_000L;
  private static final TierBandwidths ALL =
      TierBandwidths.ofGBps(10, 5, 1); // 0.1 s, 0.2 s, 1 s per expert

  /** A placement from per-rank slot lists. */
  static ExpertPlacement placement(int logical, int[]... ranks) {
    int spr = ranks[0].length;
    int[] p = new int[ranks.length * spr];
    for (int r = 0; r < ranks.length; r++) {
      System.arraycopy(ranks[r], 0, p, r * spr, spr);
    }
    return new ExpertPlacement(ranks.length, spr, logical, p);
  }

  static BitSet active(int maxRanks, int... failed) {
    BitSet b = new BitSet();
    b.set(0, maxRanks);
    for (int f : failed) {
      b.clear(f);
    }
    return b;
  }

  static SourceCatalog catalog(
      BiPredicate<Integer, Integer> host, BiPredicate<Integer, Integer> disk) {
    return new SourceCatalog() {
      @Override
      public boolean hostHas(int rank, int expert) {
        return host.test(rank, expert);
      }

      @Override
      public boolean diskHas(int rank, int expert) {
        return disk.test(rank, expert);
      }
    };
  }

  /** Experts with at least one replica on an active rank. */
  static Set<Integer> covered(ExpertPlacement p, BitSet activeRanks) {
    Set<Integer> out = new HashSet<>();
    for (int s = 0; s < p.physicalSlots(); s++) {
      if (p.logicalOf(s) >= 0 && activeRanks.get(p.rankOf(s))) {
        out.add(p.logicalOf(s));
      }
    }
    return out;
  }

  static Set<Integer> range(int n) {
    Set<Integer> out = new HashSet<>();
    for (int i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }

  @Test
  void autoSizingRestoresFullCoverageAfterAnyOneFailure() {
    int orphansSeen = 0;
    for (int maxRanks : new int[] {4, 8}) {
      for (int logical : new int[] {16, 60}) {
        int spr = Sizing.slotsPerRankAuto(logical, maxRanks);
        for (LoadSnapshot load :
            List.of(LoadSnapshot.uniform(logical), LoadSnapshot.zipf(logical, 1.1, 9))) {
          ExpertPlacement placed =
              new BalancedPlacementPolicy()
                  .place(new PlacementRequest(logical, maxRanks, spr, active(maxRanks), load, 42));
          for (int failed = 0; failed < maxRanks; failed++) {
            BitSet act = active(maxRanks, failed);
            RepairPlan plan =
                new RepairPlanner(ALL).planRecovery(placed, act, BYTES, SourceCatalog.diskOnly());
            int orphans = logical - covered(placed, act).size();
            orphansSeen += orphans;
            assertThat(plan.fullCoverage())
                .as("%d ranks, %d experts, rank %d failed", maxRanks, logical, failed)
                .isTrue();
            assertThat(plan.missingExperts()).isEmpty();
            assertThat(covered(plan.after(), act)).isEqualTo(range(logical));
            assertThat(plan.actions()).hasSize(orphans);
            for (RepairAction a : plan.actions()) {
              assertThat(a.targetRank()).isNotEqualTo(failed);
              assertThat(plan.after().rankOf(a.physicalSlot())).isEqualTo(a.targetRank());
              assertThat(plan.after().logicalOf(a.physicalSlot())).isEqualTo(a.expert());
              assertThat(a.source()).isEqualTo(Tier.DISK);
            }
            // the failed rank's slots are kept (the runtime masks them)
            assertThat(plan.after().expertsOn(failed)).containsExactly(placed.expertsOn(failed));
          }
        }
      }
    }
    assertThat(orphansSeen).as("some failure must actually orphan experts").isPositive();
  }

  @Test
  void equalInputsGiveEqualPlans() {
    ExpertPlacement placed =
        new BalancedPlacementPolicy()
            .place(new PlacementRequest(60, 8, 9, active(8), LoadSnapshot.zipf(60, 1.1, 2), 0));
    SourceCatalog cat = catalog((r, e) -> (r + e) % 3 == 0, (r, e) -> true);
    RepairPlan a = new RepairPlanner(ALL).planRecovery(placed, active(8, 3, 6), BYTES, cat);
    RepairPlan b = new RepairPlanner(ALL).planRecovery(placed, active(8, 3, 6), BYTES, cat);
    assertThat(a).isEqualTo(b);
    assertThat(a.actions()).isNotEmpty();
    RepairPlan c = new RepairPlanner(ALL).planRejoin(placed, active(8, 3), 3, BYTES, cat);
    assertThat(new RepairPlanner(ALL).planRejoin(placed, active(8, 3), 3, BYTES, cat)).isEqualTo(c);
  }

  @Test
  void recoveryPrefersHostOverDiskAndFallsBackWhenATierIsMissing() {
    // rank 2 fails; expert 4 and 5 become orphans; ranks 0 and 1 have an empty slot each
    ExpertPlacement p =
        placement(6, new int[] {0, 1, -1}, new int[] {2, 3, -1}, new int[] {4, 5, 0});
    BitSet act = active(3, 2);
    RepairPlan host =
        new RepairPlanner(ALL).planRecovery(p, act, BYTES, SourceCatalog.everywhere());
    assertThat(host.actions()).extracting(RepairAction::source).containsOnly(Tier.HOST);
    assertThat(host.actions()).extracting(RepairAction::sourceRank).containsOnly(-1);
    assertThat(host.actions()).extracting(RepairAction::estimatedSeconds).containsOnly(0.2);

    RepairPlan noHostTier =
        new RepairPlanner(ALL.without(Tier.HOST))
            .planRecovery(p, act, BYTES, SourceCatalog.everywhere());
    assertThat(noHostTier.actions()).extracting(RepairAction::source).containsOnly(Tier.DISK);
    assertThat(noHostTier.actions()).extracting(RepairAction::estimatedSeconds).containsOnly(1.0);

    RepairPlan noBackup =
        new RepairPlanner(ALL).planRecovery(p, act, BYTES, SourceCatalog.diskOnly());
    assertThat(noBackup.actions()).extracting(RepairAction::source).containsOnly(Tier.DISK);

    RepairPlan nothing =
        new RepairPlanner(ALL.only(Tier.PEER))
            .planRecovery(p, act, BYTES, SourceCatalog.everywhere());
    assertThat(nothing.missingExperts()).containsExactly(4, 5);
    assertThat(nothing.fullCoverage()).isFalse();
    assertThat(nothing.actions()).isEmpty();
    assertThat(nothing.after()).isEqualTo(p);
  }

  @Test
  void recoveryPutsAnOrphanWhereItsCheapestSourceIs() {
    // rank 3 fails, orphan 6; every other rank has an empty slot, only rank 2 has a host backup of
    // 6
    ExpertPlacement p =
        placement(
            7,
            new int[] {0, 1, -1},
            new int[] {2, 3, -1},
            new int[] {4, 5, -1},
            new int[] {6, 0, 1});
    RepairPlan plan =
        new RepairPlanner(ALL)
            .planRecovery(p, active(4, 3), BYTES, catalog((r, e) -> r == 2, (r, e) -> true));
    assertThat(plan.actions())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.targetRank()).isEqualTo(2);
              assertThat(a.physicalSlot()).isEqualTo(8);
              assertThat(a.source()).isEqualTo(Tier.HOST);
            });
  }

  @Test
  void rejoinPrefersPeerOverHostOverDisk() {
    // rank 1 rejoins; experts 2 and 3 are also on rank 2
    ExpertPlacement p = placement(4, new int[] {0, 1}, new int[] {2, 3}, new int[] {2, 3});
    BitSet act = active(3, 1);
    RepairPlanner planner = new RepairPlanner(ALL);
    assertThat(planner.planRejoin(p, act, 1, BYTES, SourceCatalog.everywhere()).actions())
        .extracting(RepairAction::source)
        .containsOnly(Tier.PEER);
    assertThat(planner.planRejoin(p, act, 1, BYTES, SourceCatalog.everywhere()).actions())
        .extracting(RepairAction::sourceRank)
        .containsOnly(2);
    // equal speeds: still PEER first, by preference order
    RepairPlanner equal = new RepairPlanner(TierBandwidths.ofGBps(1, 1, 1));
    assertThat(equal.planRejoin(p, act, 1, BYTES, SourceCatalog.everywhere()).actions())
        .extracting(RepairAction::source)
        .containsOnly(Tier.PEER);
    // peer tier absent -> host
    assertThat(
            new RepairPlanner(ALL.without(Tier.PEER))
                .planRejoin(p, act, 1, BYTES, SourceCatalog.everywhere())
                .actions())
        .extracting(RepairAction::source)
        .containsOnly(Tier.HOST);
    // no peer holds them (rank 2 down too) and no host backup -> disk
    assertThat(planner.planRejoin(p, active(3, 1, 2), 1, BYTES, SourceCatalog.diskOnly()).actions())
        .extracting(RepairAction::source)
        .containsOnly(Tier.DISK);
    // nothing anywhere -> missing
    RepairPlan none =
        planner.planRejoin(
            p, active(3, 1, 2), 1, BYTES, catalog((r, e) -> false, (r, e) -> e != 3));
    assertThat(none.missingExperts()).containsExactly(3);
    assertThat(none.fullCoverage()).isFalse();
    assertThat(none.after()).isEqualTo(p);
  }

  @Test
  void rejoinSpreadsPeerCopiesAndPrefersTheFasterLink() {
    // rank 0 rejoins; experts 0..3 are held by ranks 1 and 2 alike
    ExpertPlacement p =
        placement(4, new int[] {0, 1, 2, 3}, new int[] {0, 1, 2, 3}, new int[] {0, 1, 2, 3});
    RepairPlan spread =
        new RepairPlanner(ALL).planRejoin(p, active(3, 0), 0, BYTES, SourceCatalog.diskOnly());
    assertThat(spread.actions()).extracting(RepairAction::sourceRank).containsExactly(1, 2, 1, 2);
    // nodes of 2 ranks: rank 1 shares rank 0's node (fast link), rank 2 does not
    RepairPlanner nodes = new RepairPlanner(ALL, PeerBandwidth.nodes(2, 100e9, 10e9));
    RepairPlan local = nodes.planRejoin(p, active(3, 0), 0, BYTES, SourceCatalog.diskOnly());
    assertThat(local.actions()).extracting(RepairAction::sourceRank).containsOnly(1);
    assertThat(local.estimatedSeconds()).isCloseTo(4 * 0.01, within(1e-12));
  }

  @Test
  void rejoinLoadsOneAfterAnotherIntoTheRank() {
    ExpertPlacement p =
        placement(4, new int[] {0, 1, 2}, new int[] {3, -1, 0}, new int[] {1, 2, 3});
    RepairPlan plan =
        new RepairPlanner(ALL)
            .planRejoin(p, active(3, 1), 1, BYTES, catalog((r, e) -> false, (r, e) -> true));
    // slot 4 is empty: two loads, both from peers (0.1 s each), back to back
    assertThat(plan.actions()).extracting(RepairAction::physicalSlot).containsExactly(3, 5);
    assertThat(plan.actions()).extracting(RepairAction::startSeconds).containsExactly(0.0, 0.1);
    assertThat(plan.estimatedSeconds()).isCloseTo(0.2, within(1e-12));
    assertThat(plan.bytesMoved()).isEqualTo(2 * BYTES);
  }

  @Test
  void beyondRedundancyReportsExactlyTheExpertsWithoutASlot() {
    // ranks 0 and 1 fail: orphans 3, 4, 5; the survivors have one spare slot (rank 3's empty one)
    ExpertPlacement p =
        placement(
            8, new int[] {0, 1, 2}, new int[] {3, 4, 5}, new int[] {6, 7, 0}, new int[] {1, 2, -1});
    BitSet act = active(4, 0, 1);
    RepairPlan plan =
        new RepairPlanner(ALL).planRecovery(p, act, BYTES, SourceCatalog.everywhere());
    assertThat(plan.fullCoverage()).isFalse();
    assertThat(plan.missingExperts()).containsExactly(4, 5);
    assertThat(plan.actions())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.expert()).isEqualTo(3);
              assertThat(a.physicalSlot()).isEqualTo(11);
            });
    Set<Integer> expected = range(8);
    expected.removeAll(List.of(4, 5));
    assertThat(covered(plan.after(), act)).isEqualTo(expected);
  }

  @Test
  void beyondRedundancyReportsExactlyTheExpertsWithoutASource() {
    // ranks 0 and 1 fail: orphans 2, 3, 4, 5 with plenty of spare slots, but expert 4 exists
    // nowhere
    ExpertPlacement p =
        placement(
            6,
            new int[] {2, 3, 4},
            new int[] {5, 2, 4},
            new int[] {0, 1, -1},
            new int[] {0, 1, -1},
            new int[] {0, 1, -1});
    BitSet act = active(5, 0, 1);
    RepairPlan plan =
        new RepairPlanner(ALL)
            .planRecovery(p, act, BYTES, catalog((r, e) -> false, (r, e) -> e != 4));
    assertThat(plan.missingExperts()).containsExactly(4);
    assertThat(plan.actions()).extracting(RepairAction::expert).containsExactlyInAnyOrder(2, 3, 5);
    assertThat(covered(plan.after(), act)).containsExactlyInAnyOrder(0, 1, 2, 3, 5);
  }

  @Test
  void neverTakesTheLastActiveReplica() {
    // rank 1 fails: orphan 3. Rank 0 would be fastest (the only host backup) but holds the last
    // replicas of 1 and 2; only slots of 0 and 4 (two active replicas each, on ranks 2 and 3) may
    // be taken.
    ExpertPlacement p =
        placement(5, new int[] {1, 2}, new int[] {3, 0}, new int[] {0, 4}, new int[] {0, 4});
    BitSet act = active(4, 1);
    RepairPlan plan =
        new RepairPlanner(ALL)
            .planRecovery(p, act, BYTES, catalog((r, e) -> r == 0, (r, e) -> true));
    assertThat(plan.actions())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.targetRank()).isIn(2, 3);
              assertThat(a.source()).isEqualTo(Tier.DISK);
            });
    assertThat(covered(plan.after(), act)).isEqualTo(range(5));
  }

  @Test
  void neverTakesTheLastActiveReplicaUnderRandomFailures() {
    Random rnd = new Random(1234);
    for (int trial = 0; trial < 200; trial++) {
      int ranks = 3 + rnd.nextInt(6);
      int spr = 1 + rnd.nextInt(4);
      int logical = 1 + rnd.nextInt(ranks * spr);
      int[] slots = new int[ranks * spr];
      for (int s = 0; s < slots.length; s++) {
        slots[s] = s < logical ? s : rnd.nextInt(logical + 1) - 1;
      }
      for (int i = slots.length - 1; i > 0; i--) {
        int j = rnd.nextInt(i + 1);
        int t = slots[i];
        slots[i] = slots[j];
        slots[j] = t;
      }
      ExpertPlacement p = new ExpertPlacement(ranks, spr, logical, slots);
      BitSet act = active(ranks);
      for (int f = rnd.nextInt(ranks - 1) + 1; f > 0; f--) {
        act.clear(rnd.nextInt(ranks));
      }
      Set<Integer> before = covered(p, act);
      RepairPlan plan =
          new RepairPlanner(ALL).planRecovery(p, act, BYTES, SourceCatalog.everywhere());
      Set<Integer> after = covered(plan.after(), act);
      assertThat(after).as("trial %d: %s without %s", trial, p, act).containsAll(before);
      // the plan restores as many orphans as there are spare slots (empty or duplicated), and
      // reports the rest
      int activeSlots = act.cardinality() * spr;
      int spare = activeSlots - before.size();
      int orphans = logical - before.size();
      assertThat(plan.actions()).hasSize(Math.min(orphans, spare));
      assertThat(plan.missingExperts()).hasSize(orphans - Math.min(orphans, spare));
      List<Integer> union = new ArrayList<>(after);
      union.addAll(plan.missingExperts());
      assertThat(union).containsExactlyInAnyOrderElementsOf(range(logical));
    }
  }

  @Test
  void prefersEmptySlotsThenSlotsOfTheMostReplicatedExpert() {
    // rank 3 fails: orphan 5. Rank 0 has an empty slot; expert 0 has three active replicas, expert
    // 1 two.
    ExpertPlacement empty =
        placement(
            6,
            new int[] {0, -1},
            new int[] {0, 1},
            new int[] {0, 1},
            new int[] {5, 2},
            new int[] {2, 3},
            new int[] {4, 3});
    RepairPlan a =
        new RepairPlanner(ALL).planRecovery(empty, active(6, 3), BYTES, SourceCatalog.everywhere());
    assertThat(a.actions())
        .singleElement()
        .satisfies(x -> assertThat(x.physicalSlot()).isEqualTo(1));

    ExpertPlacement full = empty.withSlot(1, 4);
    RepairPlan b =
        new RepairPlanner(ALL).planRecovery(full, active(6, 3), BYTES, SourceCatalog.everywhere());
    assertThat(b.actions())
        .singleElement()
        .satisfies(x -> assertThat(full.logicalOf(x.physicalSlot())).isEqualTo(0));
  }

  @Test
  void loadsIntoDifferentRanksRunInParallelAndIntoOneRankInSequence() {
    // rank 2 fails: orphans 4 and 5. Ranks 0 and 1 each have one empty slot -> parallel.
    ExpertPlacement parallel =
        placement(6, new int[] {0, 1, -1}, new int[] {2, 3, -1}, new int[] {4, 5, 0});
    RepairPlan p =
        new RepairPlanner(ALL)
            .planRecovery(parallel, active(3, 2), BYTES, SourceCatalog.diskOnly());
    assertThat(p.actions()).extracting(RepairAction::targetRank).containsExactlyInAnyOrder(0, 1);
    assertThat(p.actions()).extracting(RepairAction::startSeconds).containsOnly(0.0);
    assertThat(p.estimatedSeconds()).isCloseTo(1.0, within(1e-12));

    // only rank 0 has spare slots -> one after another
    ExpertPlacement serial =
        placement(6, new int[] {0, -1, -1}, new int[] {1, 2, 3}, new int[] {4, 5, 0});
    RepairPlan s =
        new RepairPlanner(ALL).planRecovery(serial, active(3, 2), BYTES, SourceCatalog.diskOnly());
    assertThat(s.actions()).extracting(RepairAction::targetRank).containsOnly(0);
    assertThat(s.actions()).extracting(RepairAction::startSeconds).containsExactly(0.0, 1.0);
    assertThat(s.estimatedSeconds()).isCloseTo(2.0, within(1e-12));
  }

  @Test
  void spreadsOrphansOverTargetsRatherThanQueueingThemOnOne() {
    // rank 0 fails: 4 orphans; each survivor has 4 spare (duplicated) slots
    ExpertPlacement p =
        placement(
            8,
            new int[] {0, 1, 2, 3},
            new int[] {4, 5, 6, 7},
            new int[] {4, 5, 6, 7},
            new int[] {4, 5, 6, 7},
            new int[] {4, 5, 6, 7});
    RepairPlan plan =
        new RepairPlanner(ALL).planRecovery(p, active(5, 0), BYTES, SourceCatalog.diskOnly());
    assertThat(plan.actions())
        .extracting(RepairAction::targetRank)
        .containsExactlyInAnyOrder(1, 2, 3, 4);
    assertThat(plan.estimatedSeconds()).isCloseTo(1.0, within(1e-12));
    assertThat(covered(plan.after(), active(5, 0))).isEqualTo(range(8));
  }

  @Test
  void reseatsAnEarlierOrphanToKeepLoadsParallel() {
    // rank 0 fails: orphans 0, 1, 2. Expert 3 has three active replicas (ranks 1-3), expert 4 two
    // (ranks 1 and 4).
    // Host backups only on ranks 1-3. Ranks 2 and 3 can give up only a replica of 3, so rank 1 must
    // give up 4,
    // not 3, for the three host loads to run in parallel.
    ExpertPlacement p =
        placement(
            12,
            new int[] {0, 1, 2},
            new int[] {3, 4, 5},
            new int[] {3, 6, 7},
            new int[] {3, 8, 9},
            new int[] {4, 10, 11});
    BitSet act = active(5, 0);
    RepairPlan plan =
        new RepairPlanner(ALL)
            .planRecovery(p, act, BYTES, catalog((r, e) -> r >= 1 && r <= 3, (r, e) -> true));
    assertThat(plan.actions())
        .extracting(RepairAction::targetRank)
        .containsExactlyInAnyOrder(1, 2, 3);
    assertThat(plan.actions()).extracting(RepairAction::source).containsOnly(Tier.HOST);
    assertThat(plan.estimatedSeconds()).isCloseTo(0.2, within(1e-12));
    assertThat(plan.actions())
        .extracting(RepairAction::physicalSlot)
        .containsExactlyInAnyOrder(4, 6, 9);
    assertThat(covered(plan.after(), act)).isEqualTo(range(12));
    for (RepairAction a : plan.actions()) {
      assertThat(plan.after().logicalOf(a.physicalSlot())).isEqualTo(a.expert());
    }
  }

  @Test
  void randomPlansAreConsistentSchedules() {
    Random rnd = new Random(99);
    for (int trial = 0; trial < 300; trial++) {
      int ranks = 2 + rnd.nextInt(10);
      int spr = 1 + rnd.nextInt(5);
      int logical = 1 + rnd.nextInt(ranks * spr);
      int[] slots = new int[ranks * spr];
      for (int s = 0; s < slots.length; s++) {
        slots[s] = s < logical ? s : rnd.nextInt(logical + 1) - 1;
      }
      for (int i = slots.length - 1; i > 0; i--) {
        int j = rnd.nextInt(i + 1);
        int t = slots[i];
        slots[i] = slots[j];
        slots[j] = t;
      }
      ExpertPlacement p = new ExpertPlacement(ranks, spr, logical, slots);
      BitSet act = active(ranks);
      for (int f = 1 + rnd.nextInt(ranks - 1); f > 0; f--) {
        act.clear(rnd.nextInt(ranks));
      }
      long salt = rnd.nextLong();
      SourceCatalog cat =
          catalog(
              (r, e) -> ((r * 31 + e) ^ salt) % 3 == 0, (r, e) -> ((r * 17 + e) ^ salt) % 5 != 0);
      TierBandwidths bw =
          TierBandwidths.ofGBps(rnd.nextInt(3) * 5, rnd.nextInt(3) * 2, rnd.nextInt(2) + 0.5);
      RepairPlanner planner = new RepairPlanner(bw, PeerBandwidth.nodes(2, 20e9, 4e9));
      String what = "trial " + trial;

      RepairPlan rec = planner.planRecovery(p, act, BYTES, cat);
      assertThat(covered(rec.after(), act)).as(what).containsAll(covered(p, act));
      checkSchedule(rec, act, what);
      for (RepairAction a : rec.actions()) {
        assertThat(rec.after().logicalOf(a.physicalSlot())).as(what).isEqualTo(a.expert());
        assertThat(
                a.source() == Tier.HOST
                    ? cat.hostHas(a.targetRank(), a.expert())
                    : a.source() != Tier.DISK || cat.diskHas(a.targetRank(), a.expert()))
            .as(what)
            .isTrue();
      }
      for (int e : rec.missingExperts()) {
        assertThat(covered(rec.after(), act)).as(what).doesNotContain(e);
      }

      int rank = act.nextClearBit(0) < ranks ? act.nextClearBit(0) : 0;
      RepairPlan rej = planner.planRejoin(rec.after(), act, rank, BYTES, cat);
      assertThat(rej.after()).isEqualTo(rec.after());
      checkSchedule(rej, act, what + " rejoin");
      int nonEmpty = 0;
      int unloadable = 0;
      for (int e : rec.after().expertsOn(rank)) {
        nonEmpty += e >= 0 ? 1 : 0;
        unloadable += rej.missingExperts().contains(e) ? 1 : 0;
      }
      assertThat(rej.actions().size() + unloadable).as(what).isEqualTo(nonEmpty);
      assertThat(rej.actions()).allSatisfy(a -> assertThat(a.targetRank()).isEqualTo(rank));
      assertThat(rej.actions()).allSatisfy(a -> assertThat(a.sourceRank()).isNotEqualTo(rank));
    }
  }

  /**
   * Loads never overlap on one target rank or one peer source; peers are active; the makespan is
   * the last end.
   */
  private static void checkSchedule(RepairPlan plan, BitSet act, String what) {
    double makespan = 0;
    List<RepairAction> as = plan.actions();
    for (int i = 0; i < as.size(); i++) {
      RepairAction a = as.get(i);
      makespan = Math.max(makespan, a.endSeconds());
      if (a.source() == Tier.PEER) {
        assertThat(act.get(a.sourceRank())).as(what).isTrue();
        assertThat(plan.before().expertsOn(a.sourceRank())).as(what).contains(a.expert());
      }
      for (int j = i + 1; j < as.size(); j++) {
        RepairAction b = as.get(j);
        boolean overlap =
            a.startSeconds() < b.endSeconds() - 1e-12 && b.startSeconds() < a.endSeconds() - 1e-12;
        if (a.targetRank() == b.targetRank()
            || a.source() == Tier.PEER
                && b.source() == Tier.PEER
                && a.sourceRank() == b.sourceRank()) {
          assertThat(overlap).as("%s: %s overlaps %s", what, a, b).isFalse();
        }
      }
    }
    assertThat(plan.estimatedSeconds()).as(what).isCloseTo(makespan, within(1e-12));
  }
}
