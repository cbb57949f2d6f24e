package org.eep.djl.rank;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.eep.api.membership.SlotState;
import org.eep.djl.instance.EpCluster;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.TokenListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RecoveryTest {

  @ParameterizedTest(name = "{0} ranks, killed at {1}")
  @CsvSource({
    "4, BEFORE_STEP",
    "4, MID_DISPATCH",
    "4, MID_COMBINE",
    "8, MID_DISPATCH",
    "8, MID_COMBINE"
  })
  void aKilledRankLosesNoRequestAndChangesNoToken(int ranks, StepHooks.Point point)
      throws Exception {
    KillHook hook = new KillHook(1, point, 12);
    try (Fixture fx = new Fixture(ranks, hook, Map.of())) {
      hook.cluster.set(fx.cluster);
      List<GenerationRequest> requests = TestModels.requests(32, 100 + ranks);
      List<CompletableFuture<GenerationResult>> results = fx.submitAll(requests);
      assertThat(hook.fired.await(2, TimeUnit.MINUTES)).as("rank 1 was killed").isTrue();
      fx.assertAllExact(requests, results);
      assertThat(fx.cluster.view().slot(1).state()).isEqualTo(SlotState.FAILED);
      assertThat(fx.cluster.view().activeCount()).isEqualTo(ranks - 1);
      assertThat(fx.cluster.uncoveredExperts()).isEmpty();
    }
  }

  /**
   * Rank 1 at the start of step {@link #STEP}: waits until every other rank is inside that step
   * (past its admission), submits {@code late} requests, which wait in the ranks' arrival queues,
   * and is killed. Records each rank's admitted count at the start of each of its steps.
   */
  private static final class KillWithArrivalsWaiting implements StepHooks {
    static final long STEP = 10;
    final AtomicReference<EpCluster> cluster = new AtomicReference<>();
    final Map<Integer, List<long[]>> starts = new ConcurrentHashMap<>();
    final CountDownLatch othersInStep = new CountDownLatch(3);
    final CountDownLatch fired = new CountDownLatch(1);
    final List<CompletableFuture<GenerationResult>> lateResults =
        Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean armed = new AtomicBoolean(true);
    private final List<GenerationRequest> late;

    KillWithArrivalsWaiting(List<GenerationRequest> late) {
      this.late = late;
    }

    @Override
    public void at(Point p, int rank, long step, int layer) {
      EpCluster c = cluster.get();
      if (p != Point.BEFORE_STEP || c == null) {
        return;
      }
      // Appended by the rank's thread while the test may read it.
      List<long[]> mine = starts.computeIfAbsent(rank, r -> new CopyOnWriteArrayList<>());
      boolean first = mine.stream().noneMatch(e -> e[0] == step);
      mine.add(new long[] {step, c.rank(rank).stats().admissions().requests()});
      if (step != STEP) {
        return;
      }
      if (rank != 1 && first) {
        othersInStep.countDown();
      } else if (rank == 1 && armed.compareAndSet(true, false)) {
        try {
          assertThat(othersInStep.await(2, TimeUnit.MINUTES)).isTrue();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (GenerationRequest r : late) {
          lateResults.add(c.submit(r, TokenListener.NONE));
        }
        c.kill(1);
        fired.countDown();
      }
    }

    /** Rank {@code r}'s admitted count at the start of the {@code n}th run of {@code step}. */
    long admittedAt(int r, long step, int n) {
      return starts.get(r).stream().filter(e -> e[0] == step).skip(n).findFirst().orElseThrow()[1];
    }
  }

  @Test
  void theStepAFailureAbortedRunsAgainBeforeAnyWaitingArrivalJoins() throws Exception {
    List<GenerationRequest> late = TestModels.requests(12, 301);
    KillWithArrivalsWaiting hook = new KillWithArrivalsWaiting(late);
    try (Fixture fx = new Fixture(4, hook, Map.of())) {
      hook.cluster.set(fx.cluster);
      List<GenerationRequest> requests = TestModels.requests(24, 300);
      List<CompletableFuture<GenerationResult>> results = fx.submitAll(requests);
      assertThat(hook.fired.await(2, TimeUnit.MINUTES)).as("rank 1 was killed").isTrue();
      fx.assertAllExact(requests, results);
      fx.assertAllExact(late, hook.lateResults);
      long step = KillWithArrivalsWaiting.STEP;
      long joinedNext = 0;
      for (int r : new int[] {0, 2, 3}) {
        long aborted = hook.admittedAt(r, step, 0);
        long rerun = hook.admittedAt(r, step, 1);
        assertThat(rerun)
            .as("rank %d admitted nothing into the re-run of step %d", r, step)
            .isEqualTo(aborted);
        joinedNext += hook.admittedAt(r, step + 1, 0) - rerun;
      }
      assertThat(joinedNext).as("arrivals were waiting, and joined the next step").isPositive();
    }
  }
}
