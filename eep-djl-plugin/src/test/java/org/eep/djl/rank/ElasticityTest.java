package org.eep.djl.rank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.eep.api.internal.local.LocalMembershipService;
import org.eep.api.membership.Slot;
import org.eep.api.membership.SlotState;
import org.eep.djl.instance.EpCluster;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.RequestRejectedException;
import org.eep.djl.request.TokenListener;
import org.eep.placement.repair.Tier;
import org.junit.jupiter.api.Test;

class ElasticityTest {

  @Test
  void aRejoinRebuildsNothingOnHealthyRanksAndKeepsTheirTableBuffers() throws Exception {
    try (Fixture fx = new Fixture(4, StepHooks.NONE, Map.of())) {
      EpCluster c = fx.cluster;
      NDArray[] tables = new NDArray[4];
      NDArray[] slots = new NDArray[4];
      for (int r = 0; r < 4; r++) {
        tables[r] = c.rank(r).routingTable().replicaTensor();
        slots[r] = c.rank(r).expertStore().gateTensor(0);
      }
      List<GenerationRequest> requests = TestModels.requests(24, 7);
      List<CompletableFuture<GenerationResult>> results = fx.submitAll(requests);
      c.kill(2);
      fx.awaitView(v -> v.slot(2).state() == SlotState.FAILED);
      RankRuntime reborn = c.restart(2);
      fx.awaitView(v -> v.slot(2).state() == SlotState.ACTIVE && v.slot(2).incarnation() == 2);
      List<GenerationRequest> more = TestModels.requests(24, 8);
      List<CompletableFuture<GenerationResult>> moreResults = fx.submitAll(more);
      fx.assertAllExact(requests, results);
      fx.assertAllExact(more, moreResults);

      for (int r : new int[] {0, 1, 3}) {
        RankStats s = c.rank(r).stats();
        assertThat(s.rebuilds().total()).as("rank %d rebuilds", r).isZero();
        assertThat(c.rank(r).routingTable().replicaTensor()).isSameAs(tables[r]);
        assertThat(c.rank(r).expertStore().gateTensor(0)).isSameAs(slots[r]);
        assertThat(s.connectionsOpened())
            .as("rank %d: one new connection, to the rejoined rank", r)
            .isEqualTo(3 + 1);
        assertThat(s.routingUpdates()).isGreaterThan(1);
      }
      assertThat(reborn.stats().steps().completed()).isPositive();
      assertThat(reborn.repairs()).isNotEmpty().allMatch(x -> x.action().source() == Tier.PEER);
    }
  }

  @Test
  void aRejoinUnderLoadRunsNoCompletedStepAgainOnHealthyRanks() throws Exception {
    // Rank 0 stops in the last layer's combine of a step of the JOINING epoch, its message to rank
    // 1
    // sent and the one to rank 3 not yet, until it has learned the view that makes rank 2 ACTIVE:
    // rank 1 completes that step, and ranks 0 and 3 complete it too unless learning the view ends
    // it (then rank 1 would run it again).
    AtomicReference<EpCluster> cluster = new AtomicReference<>();
    AtomicBoolean held = new AtomicBoolean();
    StepHooks hold =
        (point, rank, step, layer) -> {
          EpCluster on = cluster.get();
          if (on == null || rank != 0 || point != StepHooks.Point.MID_COMBINE) {
            return;
          }
          RankRuntime me = on.rank(0);
          Slot joiner = me.appliedView().slot(2);
          if (layer != me.expertStore().config().numLayers() - 1
              || joiner.state() != SlotState.JOINING
              || joiner.incarnation() != 2
              || !held.compareAndSet(false, true)) {
            return;
          }
          CompletableFuture<Void> learned = new CompletableFuture<>();
          // After the rank's own listener on the same handle: it has learned the view once this
          // runs.
          me.membership()
              .subscribe(
                  v -> {
                    if (v.slot(2).state() == SlotState.ACTIVE && v.slot(2).incarnation() == 2) {
                      learned.complete(null);
                    }
                  });
          learned.orTimeout(2, TimeUnit.MINUTES).join();
        };
    try (Fixture fx = new Fixture(4, hold, Map.of())) {
      EpCluster c = fx.cluster;
      cluster.set(c);
      c.kill(2);
      fx.awaitApplied(v -> v.slot(2).state() == SlotState.FAILED);
      List<GenerationRequest> settle = TestModels.requests(8, 60);
      fx.assertAllExact(
          settle, fx.submitAll(settle)); // steps of the new epoch ran: its SYNC is done
      int[] healthy = {0, 1, 3};
      long[] rerunBefore = Arrays.stream(healthy).mapToLong(r -> rerun(c, r)).toArray();

      // Closed-loop clients (never idle) through the JOINING and the ACTIVE view of rank 2's new
      // incarnation.
      AtomicBoolean stop = new AtomicBoolean();
      List<GenerationRequest> fed = Collections.synchronizedList(new ArrayList<>());
      List<CompletableFuture<GenerationResult>> fedResults =
          Collections.synchronizedList(new ArrayList<>());
      List<CompletableFuture<Void>> clients = new ArrayList<>();
      for (int client = 0; client < 4; client++) {
        long first = 1000L * (client + 1);
        clients.add(
            CompletableFuture.runAsync(
                () -> {
                  for (long seed = first; !stop.get(); seed++) {
                    List<GenerationRequest> one = TestModels.requests(1, seed, 16);
                    List<CompletableFuture<GenerationResult>> r = fx.submitAll(one);
                    fed.addAll(one);
                    fedResults.addAll(r);
                    r.get(0).join();
                  }
                }));
      }
      RankRuntime reborn = c.restart(2);
      fx.awaitApplied(v -> v.slot(2).state() == SlotState.ACTIVE && v.slot(2).incarnation() == 2);
      List<GenerationRequest> after = TestModels.requests(8, 99);
      fx.assertAllExact(
          after, fx.submitAll(after)); // steps of the ACTIVE epoch ran, rank 2 in them
      stop.set(true);
      CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
      fx.assertAllExact(List.copyOf(fed), List.copyOf(fedResults));

      assertThat(held).as("rank 0 was held across the activation").isTrue();
      assertThat(reborn.stats().steps().completed()).isPositive();
      for (int i = 0; i < healthy.length; i++) {
        assertThat(rerun(c, healthy[i]) - rerunBefore[i])
            .as("rank %d: completed steps run again across the rejoin", healthy[i])
            .isZero();
      }
    }
  }

  private static long rerun(EpCluster c, int rank) {
    return c.rank(rank).stats().steps().rerun();
  }

  @Test
  void twoRanksFailingAtOnceWithinRedundancyLoseNothing() throws Exception {
    try (Fixture fx = new Fixture(8, StepHooks.NONE, Map.of())) {
      List<GenerationRequest> requests = TestModels.requests(32, 21);
      List<CompletableFuture<GenerationResult>> results = fx.submitAll(requests);
      fx.cluster.kill(3);
      fx.cluster.kill(6);
      fx.awaitView(v -> v.activeCount() == 6);
      fx.assertAllExact(requests, results);
      assertThat(fx.cluster.uncoveredExperts()).isEmpty();
    }
  }

  @Test
  void beyondRedundancyRefuseGivesEachRequestAClearError() throws Exception {
    try (Fixture fx = new Fixture(4, StepHooks.NONE, Map.of("eep_on_coverage_loss", "refuse"))) {
      fx.cluster.kill(1);
      fx.cluster.kill(2);
      fx.awaitApplied(v -> v.activeCount() == 2);
      assertThat(fx.cluster.uncoveredExperts()).isNotEmpty();
      int[] missing = fx.cluster.uncoveredExperts();
      assertThatThrownBy(
              () -> fx.cluster.submit(TestModels.requests(1, 5).get(0), TokenListener.NONE))
          .isInstanceOf(RequestRejectedException.class)
          .hasMessageContaining("coverage lost: logical experts " + Arrays.toString(missing))
          .hasMessageContaining("eep_on_coverage_loss=refuse");

      // Coverage comes back when a rank rejoins.
      fx.cluster.restart(1);
      fx.awaitApplied(v -> v.slot(1).state() == SlotState.ACTIVE);
      assertThat(fx.cluster.uncoveredExperts()).isEmpty();
      List<GenerationRequest> requests = TestModels.requests(8, 6);
      fx.assertAllExact(requests, fx.submitAll(requests));
    }
  }

  @Test
  void beyondRedundancyDropRenormalisesAndMarksResponsesDegraded() throws Exception {
    try (Fixture fx = new Fixture(4, StepHooks.NONE, Map.of("eep_on_coverage_loss", "drop"))) {
      fx.cluster.kill(1);
      fx.cluster.kill(2);
      fx.awaitApplied(v -> v.activeCount() == 2);
      assertThat(fx.cluster.uncoveredExperts()).isNotEmpty();
      List<GenerationRequest> requests = TestModels.requests(16, 9);
      List<CompletableFuture<GenerationResult>> results = fx.submitAll(requests);
      int degraded = 0;
      for (int i = 0; i < requests.size(); i++) {
        GenerationResult r = results.get(i).get(5, TimeUnit.MINUTES);
        assertThat(r.tokens()).hasSize(requests.get(i).maxNewTokens());
        if (r.degraded()) {
          degraded++;
        } else {
          TestModels.assertMatchesReference(requests.get(i), r.tokens());
        }
      }
      assertThat(degraded).as("requests that touched a missing expert").isPositive();
    }
  }

  @Test
  void aFrozenRankIsDetectedByHeartbeatAndRecoveredFrom() throws Exception {
    CountDownLatch thaw = new CountDownLatch(1);
    CountDownLatch frozen = new CountDownLatch(1);
    AtomicReference<EpCluster> ref = new AtomicReference<>();
    AtomicBoolean armed = new AtomicBoolean(true);
    StepHooks freeze =
        (p, rank, step, layer) -> {
          if (rank == 3
              && p == StepHooks.Point.MID_COMBINE
              && step >= 8
              && ref.get() != null
              && armed.compareAndSet(true, false)) {
            ((LocalMembershipService) ref.get().rank(3).membership()).pauseHeartbeats(true);
            frozen.countDown();
            try {
              thaw.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    try (Fixture fx = new Fixture(4, freeze, Map.of())) {
      ref.set(fx.cluster);
      List<GenerationRequest> requests = TestModels.requests(24, 31);
      List<CompletableFuture<GenerationResult>> results = fx.submitAll(requests);
      assertThat(frozen.await(2, TimeUnit.MINUTES)).isTrue();
      fx.awaitView(v -> v.slot(3).state() == SlotState.FAILED);
      // A frozen process raises no transport error: it is caught by its silence (missed heartbeats,
      // or a deadline miss confirmed by its stale heartbeat).
      assertThat(fx.cluster.view().cause())
          .contains("rank 3 failed")
          .doesNotContain("TransportError");
      fx.assertAllExact(requests, results);
      // Thawed, the stale incarnation finds itself evicted and stops; its messages were fenced.
      thaw.countDown();
      assertThat(fx.cluster.rank(3).awaitEnd(Fixture.PATIENCE)).isEqualTo(RankState.EVICTED);
      fx.cluster.restart(3);
      fx.awaitView(v -> v.slot(3).state() == SlotState.ACTIVE && v.slot(3).incarnation() == 2);
      List<GenerationRequest> more = TestModels.requests(8, 32);
      fx.assertAllExact(more, fx.submitAll(more));
    }
  }

  @Test
  void aRankKilledWhileAnotherRejoinsLosesNothing() throws Exception {
    try (Fixture fx = new Fixture(8, StepHooks.NONE, Map.of())) {
      List<GenerationRequest> requests = TestModels.requests(32, 41);
      List<CompletableFuture<GenerationResult>> results = fx.submitAll(requests);
      fx.cluster.kill(1);
      fx.awaitView(v -> v.slot(1).state() == SlotState.FAILED);
      // Rank 3 dies while rank 1's new incarnation is joining and loading its experts from peers.
      fx.cluster.restart(1);
      fx.cluster.kill(3);
      fx.awaitView(v -> v.slot(3).state() == SlotState.FAILED);
      fx.awaitView(v -> v.slot(1).state() == SlotState.ACTIVE && v.slot(1).incarnation() == 2);
      fx.assertAllExact(requests, results);
    }
  }

  @Test
  void seededChaosOfKillsAndRejoinsUnderLoadKeepsEveryInvariant() throws Exception {
    Random rnd = new Random(2026);
    try (Fixture fx = new Fixture(4, StepHooks.NONE, Map.of())) {
      EpCluster c = fx.cluster;
      List<GenerationRequest> all = new ArrayList<>();
      List<CompletableFuture<GenerationResult>> results = new ArrayList<>();
      for (int round = 0; round < 4; round++) {
        List<GenerationRequest> batch = TestModels.requests(12, 500 + round);
        all.addAll(batch);
        results.addAll(fx.submitAll(batch));
        int victim = 1 + rnd.nextInt(3);
        c.kill(victim);
        fx.awaitView(v -> v.slot(victim).state() == SlotState.FAILED);
        if (rnd.nextBoolean()) {
          results.get(results.size() - 1).get(5, TimeUnit.MINUTES);
        }
        long inc = c.view().slot(victim).incarnation();
        c.restart(victim);
        fx.awaitView(
            v ->
                v.slot(victim).state() == SlotState.ACTIVE
                    && v.slot(victim).incarnation() == inc + 1);
      }
      fx.assertAllExact(all, results);
      assertThat(c.rank(0).stats().rebuilds().total()).isZero();
    }
  }
}
