package org.eep.api.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProbeWitnessesTest {
  private final ProbeWitnesses witnesses = new ProbeWitnesses(Duration.ofMillis(100));

  @Test
  void reportsAreCountedByIncarnationAndReporter() {
    witnesses.record(new Evidence.ProbeFailed(2, 1, 0, "silent"), 0);
    witnesses.record(new Evidence.ProbeFailed(2, 1, 0, "still silent"), 10);
    witnesses.record(new Evidence.ProbeFailed(2, 1, 3, "silent"), 20);
    witnesses.record(new Evidence.ProbeFailed(2, 2, 1, "the next incarnation"), 30);
    assertThat(witnesses.of(2, 1)).containsExactly(0, 3);
    assertThat(witnesses.of(2, 2)).containsExactly(1);
    assertThat(witnesses.of(1, 1)).isEmpty();
  }

  @Test
  void reportsFarBeforeTheNewestDoNotCountSoStallsFarApartNeverAddUp() {
    witnesses.record(new Evidence.ProbeFailed(2, 1, 0, "silent"), 1000);
    witnesses.record(new Evidence.ProbeFailed(2, 1, 3, "silent"), 1100);
    assertThat(witnesses.of(2, 1)).containsExactly(0, 3);
    witnesses.record(new Evidence.ProbeFailed(2, 1, 1, "another stall"), 5000);
    assertThat(witnesses.of(2, 1)).containsExactly(1);
  }

  @Test
  void aReportReadLateStillCountsByWhenItWasMade() {
    witnesses.record(new Evidence.ProbeFailed(2, 1, 3, "made later"), 1050);
    witnesses.record(new Evidence.ProbeFailed(2, 1, 0, "made first, read second"), 1000);
    assertThat(witnesses.of(2, 1)).containsExactly(0, 3);
  }

  @Test
  void aRepeatedReportRenewsItsWitness() {
    witnesses.record(new Evidence.ProbeFailed(2, 1, 0, "silent"), 0);
    witnesses.record(new Evidence.ProbeFailed(2, 1, 0, "still silent"), 80);
    witnesses.record(new Evidence.ProbeFailed(2, 1, 3, "silent"), 150);
    assertThat(witnesses.of(2, 1)).containsExactly(0, 3);
  }

  @Test
  void theWindowMustBePositive() {
    assertThatThrownBy(() -> new ProbeWitnesses(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("window must be positive");
  }
}
