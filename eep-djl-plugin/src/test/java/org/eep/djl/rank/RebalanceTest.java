package org.eep.djl.rank;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.eep.api.membership.SlotState;
import org.eep.api.placement.ExpertPlacement;
import org.eep.api.placement.LayerMap;
import org.eep.djl.instance.EpCluster;
import org.eep.djl.rank.RebalanceEvent.Kind;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.junit.jupiter.api.Test;

/**
 * Live rebalancing on the skewed tiny model: tokens never change, every rank agrees, a failure
 * between stage and switch or right after a switch loses nothing, and a rejoined rank gets load.
 */
class RebalanceTest {
  private static final Map<String, Object> PERIODIC =
      Map.of("eep_rebalance_interval_steps", 6, "eep_rebalance_window_steps", 12);

  /** Requests whose prompts come from one half of the vocabulary (the skew's two popularities). */
  private static List<GenerationRequest> requests(int n, long seed, boolean upperHalf) {
    Random rnd = new Random(seed);
    List<GenerationRequest> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int from = upperHalf ? 256 : 0;
      int[] prompt = rnd.ints(4 + rnd.nextInt(12), from, from + 256).toArray();
      out.add(new GenerationRequest("rb-" + seed + "-" + i, prompt, 10 + rnd.nextInt(8)));
    }
    return out;
  }

  private static long count(RankRuntime r, Kind kind) {
    return r.rebalances().stream().filter(e -> e.kind() == kind).count();
  }

  private static RebalanceEvent firstPlanned(RankRuntime r) {
    return r.rebalances().stream().filter(e -> e.kind() == Kind.PLANNED).findFirst().orElseThrow();
  }

  private static List<String> decisions(RankRuntime r) {
    return r.rebalances().stream()
        .filter(e -> e.kind() == Kind.PLANNED || e.kind() == Kind.BALANCED)
        .map(
            e ->
                e.epoch()
                    + "/"
                    + e.snapshotId()
                    + "/"
                    + e.kind()
                    + "/"
                    + e.loads()
                    + "/"
                    + e.imbalanceAfter())
        .toList();
  }

  @Test
  void tokensStayExactThroughRebalancesAndEveryRankAgrees() throws Exception {
    try (Fixture fx = new Fixture(4, StepHooks.NONE, PERIODIC, TestModels.skewed())) {
      NDArray table = fx.cluster.rank(0).routingTable().replicaTensor();
      ExpertPlacement initial = fx.cluster.rank(0).placement();
      List<GenerationRequest> lower = requests(24, 1, false);
      List<CompletableFuture<GenerationResult>> first = fx.submitAll(lower);
      fx.assertAllExact(lower, first);
      List<GenerationRequest> upper = requests(24, 2, true);
      fx.assertAllExact(upper, fx.submitAll(upper));

      RankRuntime r0 = fx.cluster.rank(0);
      assertThat(count(r0, Kind.SWITCHED)).as("rebalances switched").isGreaterThanOrEqualTo(2);
      assertThat(r0.placement()).isNotEqualTo(initial);
      for (RebalanceEvent e : r0.rebalances()) {
        if (e.kind() == Kind.SWITCHED) {
          // What a plan must promise to be carried out: all layers together, or the worst one,
          // at least 0.02 better.
          assertThat(
                  e.imbalanceAfter() <= e.imbalanceBefore() - 0.02
                      || e.layerImbalanceAfter() <= e.layerImbalanceBefore() - 0.02)
              .as("%s improves the total or the worst layer", e)
              .isTrue();
        }
      }
      assertThat(r0.routingTable().replicaTensor()).isSameAs(table);
      assertThat(r0.stats().rebuilds().total()).isZero();
      assertThat(r0.stats().rebalancing().peerBytesStaged())
          .as("peers are the fastest tier here (peer=4, host=2, disk=0.5 GB/s)")
          .isPositive();
      assertThat(r0.layerMap())
          .as("layers balanced apart: a slot holds different experts in different layers")
          .isNotEqualTo(LayerMap.identity(2, r0.layerMap().experts()));
      for (int r = 1; r < 4; r++) {
        RankRuntime other = fx.cluster.rank(r);
        assertThat(other.placement()).as("rank %d's placement", r).isEqualTo(r0.placement());
        assertThat(other.layerMap()).as("rank %d's layer map", r).isEqualTo(r0.layerMap());
        assertThat(other.routingTable().replicaTensor()).isNotNull();
      }
      // Every rank decided the same from the same snapshot, whatever it counted itself.
      fx.cluster.rebalance();
      List<GenerationRequest> more = requests(8, 3, false);
      fx.assertAllExact(more, fx.submitAll(more));
      List<String> d0 = decisions(r0);
      for (int r = 1; r < 4; r++) {
        List<String> dr = decisions(fx.cluster.rank(r));
        int n = Math.min(d0.size(), dr.size());
        assertThat(dr.subList(0, n)).as("rank %d's decisions", r).isEqualTo(d0.subList(0, n));
      }
      assertThat(
              IntStream.range(0, 4)
                  .mapToObj(r -> firstPlanned(fx.cluster.rank(r)).ownTokens())
                  .distinct()
                  .count())
          .as("the ranks counted different loads for the same snapshot")
          .isGreaterThan(1);
    }
  }

  /** Kills {@code victim} before the first step that follows its first event of {@code kind}. */
  private static final class KillAfter implements StepHooks {
    final AtomicReference<EpCluster> cluster = new AtomicReference<>();
    final CountDownLatch fired = new CountDownLatch(1);
    private final AtomicBoolean armed = new AtomicBoolean(true);
    private final int victim;
    private final Kind kind;

    KillAfter(int victim, Kind kind) {
      this.victim = victim;
      this.kind = kind;
    }

    @Override
    public void at(Point p, int rank, long step, int layer) {
      EpCluster c = cluster.get();
      if (rank == victim
          && p == Point.BEFORE_STEP
          && c != null
          && count(c.rank(victim), kind) > 0
          && armed.compareAndSet(true, false)) {
        c.kill(rank);
        fired.countDown();
      }
    }
  }

  @Test
  void aKillBetweenStageAndSwitchAbandonsItAndLosesNothing() throws Exception {
    KillAfter hook = new KillAfter(2, Kind.PLANNED);
    try (Fixture fx = new Fixture(4, hook, PERIODIC, TestModels.skewed())) {
      hook.cluster.set(fx.cluster);
      List<GenerationRequest> requests = requests(32, 4, false);
      List<CompletableFuture<GenerationResult>> results = fx.submitAll(requests);
      assertThat(hook.fired.await(2, TimeUnit.MINUTES)).as("rank 2 was killed").isTrue();
      fx.assertAllExact(requests, results);
      assertThat(fx.cluster.view().slot(2).state()).isEqualTo(SlotState.FAILED);
      RankRuntime survivor = fx.cluster.rank(0);
      assertThat(count(survivor, Kind.ABANDONED)).isPositive();
      assertThat(count(fx.cluster.rank(2), Kind.SWITCHED)).isZero();
      // The recovery asks for a rebalance of the survivors, which serves on exactly.
      List<GenerationRequest> after = requests(24, 5, false);
      fx.assertAllExact(after, fx.submitAll(after));
      assertThat(survivor.awaitRebalances(Kind.SWITCHED, 1, Fixture.PATIENCE)).isTrue();
      assertThat(fx.cluster.rank(1).placement()).isEqualTo(survivor.placement());
      assertThat(fx.cluster.rank(3).placement()).isEqualTo(survivor.placement());
    }
  }

  @Test
  void aKillRightAfterASwitchRevertsItEverywhereAndLosesNothing() throws Exception {
    KillAfter hook = new KillAfter(1, Kind.SWITCHED);
    try (Fixture fx = new Fixture(4, hook, PERIODIC, TestModels.skewed())) {
      hook.cluster.set(fx.cluster);
      List<GenerationRequest> requests = requests(40, 6, false);
      List<CompletableFuture<GenerationResult>> results = fx.submitAll(requests);
      assertThat(hook.fired.await(2, TimeUnit.MINUTES)).as("rank 1 was killed").isTrue();
      fx.assertAllExact(requests, results);
      fx.awaitApplied(v -> v.slot(1).state() == SlotState.FAILED);
      List<GenerationRequest> after = requests(16, 7, true);
      fx.assertAllExact(after, fx.submitAll(after));
      for (int r : new int[] {0, 2, 3}) {
        assertThat(
                count(fx.cluster.rank(r), Kind.REVERTED) + count(fx.cluster.rank(r), Kind.SWITCHED))
            .isPositive();
        assertThat(fx.cluster.rank(r).placement()).isEqualTo(fx.cluster.rank(0).placement());
      }
      assertThat(fx.cluster.uncoveredExperts()).isEmpty();
    }
  }

  @Test
  void aRejoinedRankGetsExpertsAndLoadFromTheNextRebalance() throws Exception {
    try (Fixture fx = new Fixture(4, StepHooks.NONE, PERIODIC, TestModels.skewed())) {
      List<GenerationRequest> warm = requests(16, 8, false);
      fx.assertAllExact(warm, fx.submitAll(warm));
      fx.cluster.kill(3);
      fx.awaitApplied(v -> v.slot(3).state() == SlotState.FAILED);
      fx.cluster.restart(3);
      fx.awaitApplied(v -> v.slot(3).state() == SlotState.ACTIVE && v.slot(3).incarnation() == 2);
      RankRuntime back = fx.cluster.rank(3);
      long rowsBefore = back.timings().expertRows();
      List<GenerationRequest> load = requests(32, 9, false);
      fx.assertAllExact(load, fx.submitAll(load));
      assertThat(back.rebalances())
          .as("the rejoin asked for a rebalance the rejoined rank took part in")
          .anySatisfy(e -> assertThat(e.kind()).isIn(Kind.PLANNED, Kind.BALANCED));
      assertThat(back.placement()).isEqualTo(fx.cluster.rank(0).placement());
      assertThat(back.layerMap()).isEqualTo(fx.cluster.rank(0).layerMap());
      assertThat(Arrays.stream(back.placement().expertsOn(3)).filter(e -> e >= 0).count())
          .isPositive();
      assertThat(back.timings().expertRows()).isGreaterThan(rowsBefore);
    }
  }
}
