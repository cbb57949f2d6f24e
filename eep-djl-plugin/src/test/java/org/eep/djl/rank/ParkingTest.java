package org.eep.djl.rank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.eep.api.membership.SlotState;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.RequestRejectedException;
import org.junit.jupiter.api.Test;

/**
 * Beyond redundancy under {@code eep_on_coverage_loss=refuse}, requests already accepted are
 * parked, not failed: they keep their tokens and resume when coverage returns, or fail naming the
 * experts once {@code eep_coverage_wait_ms} is over.
 */
class ParkingTest {

  /** Submits long requests and returns once each emitted a token (all are then in batches). */
  private static List<CompletableFuture<GenerationResult>> inFlight(
      Fixture fx, List<GenerationRequest> requests) throws InterruptedException {
    CountDownLatch first = new CountDownLatch(requests.size());
    List<CompletableFuture<GenerationResult>> out = new ArrayList<>();
    for (GenerationRequest r : requests) {
      out.add(
          fx.cluster.submit(
              r,
              (id, index, token, owner) -> {
                if (index == 0) {
                  first.countDown();
                }
              }));
    }
    assertThat(first.await(2, TimeUnit.MINUTES)).as("every request has a first token").isTrue();
    return out;
  }

  private static RankStats.Parking parking(Fixture fx, int... ranks) {
    long waiting = 0;
    long parked = 0;
    long resumed = 0;
    long expired = 0;
    for (int r : ranks) {
      RankStats.Parking p = fx.cluster.rank(r).stats().parking();
      waiting += p.waiting();
      parked += p.parked();
      resumed += p.resumed();
      expired += p.expired();
    }
    return new RankStats.Parking(waiting, parked, resumed, expired);
  }

  @Test
  void acceptedRequestsWaitThroughADoubleFailureAndFinishExactlyAfterTheRejoin() throws Exception {
    try (Fixture fx =
        new Fixture(
            4,
            StepHooks.NONE,
            Map.of("eep_on_coverage_loss", "refuse", "eep_coverage_wait_ms", 600_000))) {
      List<GenerationRequest> requests = TestModels.requests(12, 31, 150);
      List<CompletableFuture<GenerationResult>> results = inFlight(fx, requests);
      fx.cluster.kill(1);
      fx.cluster.kill(2);
      fx.awaitApplied(v -> v.activeCount() == 2);
      assertThat(fx.cluster.uncoveredExperts()).as("beyond redundancy").isNotEmpty();
      // Some requests park on the survivors (each chooses among the lost experts within steps)...
      long deadline = System.nanoTime() + Fixture.PATIENCE.toNanos();
      while (parking(fx, 0, 3).waiting() == 0) {
        assertThat(System.nanoTime() < deadline).as("a request parked").isTrue();
        Thread.onSpinWait();
      }
      // ...and every accepted request still runs or waits: none failed for the lost experts.
      for (CompletableFuture<GenerationResult> r : results) {
        assertThat(r.isCompletedExceptionally()).isFalse();
      }

      fx.cluster.restart(1);
      fx.awaitApplied(v -> v.slot(1).state() == SlotState.ACTIVE);
      fx.assertAllExact(requests, results);
      RankStats.Parking p = parking(fx, 0, 3);
      assertThat(p.parked()).as("requests parked on the survivors").isPositive();
      assertThat(p.resumed()).as("and resumed once coverage was back").isPositive();
      assertThat(p.expired()).isZero();
      assertThat(p.waiting()).isZero();
    }
  }

  @Test
  void aParkedRequestFailsNamingTheExpertsWhenCoverageDoesNotReturnInTime() throws Exception {
    try (Fixture fx =
        new Fixture(
            4,
            StepHooks.NONE,
            Map.of("eep_on_coverage_loss", "refuse", "eep_coverage_wait_ms", 200))) {
      List<GenerationRequest> requests = TestModels.requests(12, 32, 150);
      List<CompletableFuture<GenerationResult>> results = inFlight(fx, requests);
      fx.cluster.kill(1);
      fx.cluster.kill(2);
      fx.awaitApplied(v -> v.activeCount() == 2);
      int failed = 0;
      for (CompletableFuture<GenerationResult> r : results) {
        try {
          r.get(2, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
          assertThat(e.getCause())
              .isInstanceOf(RequestRejectedException.class)
              .hasMessageContaining("eep_coverage_wait_ms")
              .hasMessageContaining("has no replica on an active rank");
          failed++;
        }
      }
      assertThat(failed).as("requests that needed a lost expert").isPositive();
      assertThat(parking(fx, 0, 3).expired()).isEqualTo(failed);
    }
  }

  @Test
  void withNoWaitARequestThatNeedsALostExpertFailsAtOnceAsBefore() {
    assertThatThrownBy(
            () -> {
              try (Fixture fx =
                  new Fixture(
                      4,
                      StepHooks.NONE,
                      Map.of("eep_on_coverage_loss", "refuse", "eep_coverage_wait_ms", 0))) {
                List<GenerationRequest> requests = TestModels.requests(12, 33, 150);
                List<CompletableFuture<GenerationResult>> results = inFlight(fx, requests);
                fx.cluster.kill(1);
                fx.cluster.kill(2);
                for (CompletableFuture<GenerationResult> r : results) {
                  r.get(2, TimeUnit.MINUTES);
                }
              }
            })
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("refused")
        .hasMessageContaining("eep_on_coverage_loss=refuse");
  }
}
