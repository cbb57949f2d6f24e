package org.eep.djl.rank;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.eep.api.internal.local.LocalTransportProvider;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.SlotState;
import org.eep.djl.instance.EpCluster;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.junit.jupiter.api.Test;

/**
 * Data-plane detection of a frozen rank: suspicion (silence), probe (answered by the peer's
 * transport, not its rank thread), report; a majority of the suspect's peers evicts it while its
 * membership heartbeats still come. A rank that is only busy answers and stays.
 */
class FrozenRankTest {
  /** Heartbeats keep coming and receives wait long: only failed probes can evict here. */
  private static final Map<String, Object> PROBES_ONLY =
      Map.of("eep_step_timeout_ms", 600_000, "eep_heartbeat_ms", 100, "eep_heartbeat_misses", 10);

  @Test
  void aRankWhoseTransportStopsAnsweringIsEvictedByItsPeersProbesWhileItsHeartbeatsLive()
      throws Exception {
    AtomicReference<EpCluster> cluster = new AtomicReference<>();
    CountDownLatch thaw = new CountDownLatch(1);
    AtomicBoolean armed = new AtomicBoolean();
    StepHooks freeze =
        (point, rank, step, layer) -> {
          if (rank == 3
              && point == StepHooks.Point.BEFORE_STEP
              && armed.compareAndSet(true, false)) {
            MembershipView v = cluster.get().rank(3).appliedView();
            assertThat(LocalTransportProvider.freeze(v.slot(3).address(), true)).isTrue();
            await(() -> thaw.getCount() == 0);
          }
        };
    try (Fixture fx = new Fixture(4, freeze, PROBES_ONLY)) {
      try {
        EpCluster c = fx.cluster;
        cluster.set(c);
        armed.set(true);
        fx.submitAll(TestModels.requests(8, 31));
        MembershipView evicted = fx.awaitView(v -> v.slot(3).state() == SlotState.FAILED);
        assertThat(evicted.cause())
            .as("evicted by probes, its heartbeats still coming")
            .startsWith("rank 3 failed: ProbeFailed from ranks");
        long failed = 0;
        for (int r = 0; r < 3; r++) {
          failed += c.rank(r).stats().probes().failed();
        }
        assertThat(failed).as("probes reported by ranks 0..2").isGreaterThanOrEqualTo(2);
      } finally {
        thaw.countDown();
      }
    }
  }

  @Test
  void aRankHeldInsideAStepIsProbedAndStays() throws Exception {
    // The local transport answers on the prober's own thread; that a busy rank process answers
    // from its transport's I/O thread is measured by ./eep bench detection (no eviction in 60 s).
    AtomicReference<EpCluster> cluster = new AtomicReference<>();
    AtomicBoolean armed = new AtomicBoolean();
    StepHooks busy =
        (point, rank, step, layer) -> {
          if (rank == 3
              && point == StepHooks.Point.BEFORE_STEP
              && armed.compareAndSet(true, false)) {
            EpCluster c = cluster.get();
            long before = c.rank(0).stats().probes().answered();
            // Every rank is silent while rank 3 holds the step: they probe each other each round.
            await(() -> c.rank(0).stats().probes().answered() - before >= 6);
          }
        };
    try (Fixture fx = new Fixture(4, busy, PROBES_ONLY)) {
      EpCluster c = fx.cluster;
      cluster.set(c);
      long epoch = c.observer().currentView().epoch();
      armed.set(true);
      List<GenerationRequest> load = TestModels.requests(8, 32);
      List<CompletableFuture<GenerationResult>> results = fx.submitAll(load);
      fx.assertAllExact(load, results);
      assertThat(armed).as("rank 3 was held").isFalse();
      assertThat(c.observer().currentView().epoch()).as("no view change").isEqualTo(epoch);
      for (int r = 0; r < 4; r++) {
        assertThat(c.rank(r).stats().probes().failed()).as("rank %d probes failed", r).isZero();
      }
      assertThat(c.rank(0).stats().probes().answered()).isGreaterThanOrEqualTo(6);
    }
  }

  /** Waits (bounded by the fixture's patience) until {@code condition} holds. */
  private static void await(BooleanSupplier condition) {
    long deadline = System.nanoTime() + Fixture.PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not reached within " + Fixture.PATIENCE);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }
}
