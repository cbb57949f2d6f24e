package org.eep.djl.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StepBudgetTest {

  @Test
  void decodersAreAlwaysTakenAndPrefillsShareTheRestInBatchOrder() {
    StepBudget budget = new StepBudget(8, 12);
    assertThat(budget.spans(new int[] {1, 20, 1, 20, 20})).containsExactly(1, 8, 1, 2, 0);
  }

  @Test
  void aPrefillTakesAtMostItsRemainingPositions() {
    assertThat(new StepBudget(512, 2048).spans(new int[] {3, 1, 700})).containsExactly(3, 1, 512);
  }

  @Test
  void decodersBeyondTheBudgetStillAdvance() {
    assertThat(new StepBudget(4, 2).spans(new int[] {1, 1, 1, 5})).containsExactly(1, 1, 1, 0);
  }

  @Test
  void rejectsNonPositiveLimits() {
    assertThatThrownBy(() -> new StepBudget(0, 4)).hasMessageContaining("prefillChunk");
    assertThatThrownBy(() -> new StepBudget(4, 0)).hasMessageContaining("stepTokens");
  }
}
