package org.eep.djl.rank;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eep.api.membership.SlotState;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
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
}
