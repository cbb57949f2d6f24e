package org.eep.djl.step;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LoadWindowTest {
  @Test
  void countsTheLastStepsOnlyPerLayerAndExpert() {
    LoadWindow w = new LoadWindow(2, 3, 2);
    w.routed(0, new int[] {0, 0, 2});
    w.routed(1, new int[] {1});
    w.endStep();
    assertThat(w.totals()).containsExactly(2, 0, 1, 0, 1, 0);
    w.routed(0, new int[] {1});
    w.endStep();
    assertThat(w.totals()).containsExactly(2, 1, 1, 0, 1, 0);
    assertThat(w.total(0, 1)).isEqualTo(1);
    w.endStep(); // the first step leaves the window
    assertThat(w.totals()).containsExactly(0, 1, 0, 0, 0, 0);
  }

  @Test
  void anAbortedStepCountsNothing() {
    LoadWindow w = new LoadWindow(1, 2, 4);
    w.routed(0, new int[] {0, 0});
    w.discardStep(); // aborted: it runs again
    w.routed(0, new int[] {0, 1});
    w.endStep();
    assertThat(w.totals()).containsExactly(1, 1);
  }

  @Test
  void aWindowOfNoStepsCountsNothing() {
    LoadWindow w = new LoadWindow(1, 2, 0);
    w.routed(0, new int[] {1, 1});
    w.endStep();
    assertThat(w.enabled()).isFalse();
    assertThat(w.totals()).containsExactly(0, 0);
  }
}
