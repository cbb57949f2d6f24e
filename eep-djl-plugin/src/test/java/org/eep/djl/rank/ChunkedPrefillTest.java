package org.eep.djl.rank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.RequestRejectedException;
import org.eep.djl.request.TokenListener;
import org.junit.jupiter.api.Test;

/**
 * Prompts are computed in chunks within one step, new and re-queued alike, and the KV pool bounds
 * what a rank takes.
 */
class ChunkedPrefillTest {

  private static List<GenerationRequest> requests(
      int n, long seed, int promptLength, int newTokens) {
    Random rnd = new Random(seed);
    List<GenerationRequest> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          new GenerationRequest(
              "p-" + seed + "-" + i, rnd.ints(promptLength, 0, 512).toArray(), newTokens));
    }
    return out;
  }

  @Test
  void aSixtyFourTokenPromptGetsItsFirstTokenFromTheStepThatPrefilledIt() throws Exception {
    try (Fixture fx = new Fixture(1, StepHooks.NONE, Map.of())) {
      List<GenerationRequest> requests = requests(4, 3, 64, 6);
      fx.assertAllExact(requests, fx.submitAll(requests));
      RankStats.Admissions a = fx.cluster.rank(0).stats().admissions();
      assertThat(a.requests()).isEqualTo(4);
      assertThat(a.prefillChunks()).as("one chunk per prompt").isEqualTo(4);
      assertThat(a.prefillPositions()).isEqualTo(4 * 64);
      assertThat(a.maxStepsToToken()).as("steps from admission to the first token").isEqualTo(1);
    }
  }

  @Test
  void aChunkSmallerThanThePromptTakesOneStepPerChunkAndChangesNoToken() throws Exception {
    try (Fixture fx = new Fixture(2, StepHooks.NONE, Map.of("eep_prefill_chunk", 16))) {
      List<GenerationRequest> requests = requests(6, 4, 40, 5);
      fx.assertAllExact(requests, fx.submitAll(requests));
      long chunks = 0;
      long positions = 0;
      for (int r = 0; r < 2; r++) {
        RankStats.Admissions a = fx.cluster.rank(r).stats().admissions();
        chunks += a.prefillChunks();
        positions += a.prefillPositions();
        assertThat(a.maxStepsToToken()).isEqualTo(3); // 16 + 16 + 8 positions
      }
      assertThat(chunks).isEqualTo(6 * 3);
      assertThat(positions).isEqualTo(6 * 40);
    }
  }

  @Test
  void aStepTokenBudgetSmallerThanAPromptSplitsItAcrossStepsAndChangesNoToken() throws Exception {
    try (Fixture fx = new Fixture(1, StepHooks.NONE, Map.of("eep_step_tokens", 30))) {
      List<GenerationRequest> requests = requests(4, 5, 40, 4);
      fx.assertAllExact(requests, fx.submitAll(requests));
      RankStats.Admissions a = fx.cluster.rank(0).stats().admissions();
      assertThat(a.prefillPositions()).isEqualTo(4 * 40);
      assertThat(a.prefillChunks())
          .as("no 40-position prompt fits a 30-position step")
          .isGreaterThanOrEqualTo(8);
      assertThat(a.maxStepsToToken()).isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void aRequestRequeuedAfterAKillResumesByPrefillInOneChunk() throws Exception {
    KillHook hook = new KillHook(1, StepHooks.Point.MID_DISPATCH, 12);
    try (Fixture fx = new Fixture(4, hook, Map.of())) {
      hook.cluster.set(fx.cluster);
      List<GenerationRequest> requests = requests(24, 5, 10, 40);
      List<CompletableFuture<GenerationResult>> results = fx.submitAll(requests);
      assertThat(hook.fired.await(2, TimeUnit.MINUTES)).as("rank 1 was killed").isTrue();
      fx.assertAllExact(requests, results);
      assertThat(fx.cluster.requeued()).as("requests moved off the killed rank").isPositive();
      long admitted = 0;
      for (int r : new int[] {0, 2, 3}) {
        RankStats.Admissions a = fx.cluster.rank(r).stats().admissions();
        admitted += a.requests();
        // Each admission, first or after re-queueing (prompt + every token emitted so far), is one
        // chunk, and its next token comes from that same step.
        assertThat(a.prefillChunks()).as("rank %d chunks", r).isEqualTo(a.requests());
        assertThat(a.maxStepsToToken()).as("rank %d steps to the next token", r).isEqualTo(1);
      }
      assertThat(admitted)
          .as("admissions on survivors, re-queued ones included")
          .isGreaterThan(fx.cluster.requeued());
    }
  }

  @Test
  void theKvPoolRefusesARequestThatCannotFitAndFreesAFinishedRequestsBlocks() throws Exception {
    try (Fixture fx = new Fixture(2, StepHooks.NONE, Map.of("eep_kv_cache_tokens", 64))) {
      assertThatThrownBy(() -> fx.cluster.submit(requests(1, 6, 50, 30).get(0), TokenListener.NONE))
          .isInstanceOf(RequestRejectedException.class)
          .hasMessageContaining("prompt (50) + max_new_tokens (30)")
          .hasMessageContaining("64, eep_kv_cache_tokens");
      // Each needs 48 of a rank's 64 positions: a rank holds one at a time, the rest wait.
      List<GenerationRequest> requests = requests(8, 7, 40, 8);
      fx.assertAllExact(requests, fx.submitAll(requests));
      for (int r = 0; r < 2; r++) {
        RankStats s = fx.cluster.rank(r).stats();
        assertThat(s.kv().capacity()).isEqualTo(64);
        assertThat(s.admissions().requests()).isPositive();
      }
      // Blocks come back one step after a request finishes; a further request proves the pool is
      // whole.
      List<GenerationRequest> more = requests(2, 8, 60, 4);
      fx.assertAllExact(more, fx.submitAll(more));
    }
  }
}
