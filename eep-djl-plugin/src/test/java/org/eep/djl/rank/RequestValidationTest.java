package org.eep.djl.rank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.eep.djl.request.GenerationRequest;
import org.eep.djl.request.GenerationResult;
import org.eep.djl.request.RequestRejectedException;
import org.eep.djl.request.TokenListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RequestValidationTest {
  private static final CountDownLatch release = new CountDownLatch(1);
  private static volatile boolean holding;
  private static Fixture fx;

  @BeforeAll
  static void start() throws InterruptedException {
    // While `holding`, rank 0 waits before each step, so submitted requests stay in flight.
    StepHooks hold =
        (p, rank, step, layer) -> {
          if (holding && rank == 0 && p == StepHooks.Point.BEFORE_STEP) {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    fx = new Fixture(2, hold, Map.of("eep_max_new_tokens", 64, "eep_queue_capacity", 2));
  }

  @AfterAll
  static void stop() {
    release.countDown();
    fx.close();
  }

  @Test
  void anEmptyPromptIsRefused() {
    assertThatThrownBy(
            () ->
                fx.cluster.submit(
                    new GenerationRequest("empty", new int[0], 4), TokenListener.NONE))
        .isInstanceOf(RequestRejectedException.class)
        .hasMessage("request empty: the prompt is empty");
  }

  @Test
  void tokenIdsOutsideTheVocabularyAreRefused() {
    assertThatThrownBy(
            () ->
                fx.cluster.submit(
                    new GenerationRequest("oov", new int[] {1, 512}, 4), TokenListener.NONE))
        .hasMessage("request oov: prompt token 1 is 512, outside the vocabulary [0, 512)");
    assertThatThrownBy(
            () ->
                fx.cluster.submit(
                    new GenerationRequest("neg", new int[] {-1}, 4), TokenListener.NONE))
        .hasMessageContaining("prompt token 0 is -1");
  }

  @Test
  void maxNewTokensOutOfRangeIsRefused() {
    assertThatThrownBy(
            () ->
                fx.cluster.submit(
                    new GenerationRequest("zero", new int[] {1}, 0), TokenListener.NONE))
        .hasMessage("request zero: max_new_tokens is 0, must be in [1, 64] (eep_max_new_tokens)");
    assertThatThrownBy(
            () ->
                fx.cluster.submit(
                    new GenerationRequest("big", new int[] {1}, 65), TokenListener.NONE))
        .hasMessage("request big: max_new_tokens is 65, must be in [1, 64] (eep_max_new_tokens)");
  }

  @Test
  void aPromptLongerThanTheModelIsRefused() {
    assertThatThrownBy(
            () ->
                fx.cluster.submit(
                    new GenerationRequest("long", new int[250], 10), TokenListener.NONE))
        .hasMessageContaining("exceeds the model's 256 positions");
  }

  @Test
  void overloadIsRejectedAndOtherRequestsAreUnaffected() throws Exception {
    holding = true;
    List<GenerationRequest> two = TestModels.requests(2, 77);
    CompletableFuture<GenerationResult> a = fx.cluster.submit(two.get(0), TokenListener.NONE);
    CompletableFuture<GenerationResult> b = fx.cluster.submit(two.get(1), TokenListener.NONE);
    assertThatThrownBy(
            () -> fx.cluster.submit(TestModels.requests(1, 78).get(0), TokenListener.NONE))
        .isInstanceOf(RequestRejectedException.class)
        .hasMessageContaining("overloaded: 2 requests outstanding (eep_queue_capacity=2)");
    holding = false;
    release.countDown();
    assertThat(a.get().tokens()).isEqualTo(TestModels.expected(two.get(0)).tokens());
    assertThat(b.get().tokens()).isEqualTo(TestModels.expected(two.get(1)).tokens());
  }
}
