package org.eep.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.ArrayList;
import java.util.List;
import org.eep.api.membership.InstanceState;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.Slot;
import org.eep.api.membership.SlotState;
import org.junit.jupiter.api.Test;

/** The metric definitions on a synthetic timeline whose answers are known. */
class MetricsTest {

  /**
   * 4 ranks, each emitting one token every 10 ms (staggered by 2.5 ms), with a silence between
   * {@code from} and {@code to} ms.
   */
  private static List<double[]> tokens(
      double endMs, double[][] silences, int silentRank, double silentFrom, double silentTo) {
    List<double[]> out = new ArrayList<>();
    for (int r = 0; r < 4; r++) {
      for (double t = r * 2.5; t < endMs; t += 10) {
        boolean quiet = false;
        for (double[] s : silences) {
          quiet |= t >= s[0] && t < s[1];
        }
        quiet |= r == silentRank && t >= silentFrom && t < silentTo;
        if (!quiet) {
          out.add(new double[] {t, r});
        }
      }
    }
    out.sort((a, b) -> Double.compare(a[0], b[0]));
    return out;
  }

  private static MembershipView view(long epoch, SlotState... states) {
    List<Slot> slots = new ArrayList<>();
    for (int i = 0; i < states.length; i++) {
      slots.add(new Slot(i, states[i], i == 1 && epoch >= 10 ? 2 : 1, "x"));
    }
    return new MembershipView(epoch, InstanceState.SERVING, slots, "test");
  }

  @Test
  void theFaultTimelineMetricsFollowTheirDefinitions() {
    // kill rank 1 at 10 s; the failure view at 10.02 s; nothing is emitted from 10.0 s to 10.3 s;
    // rank 1 is silent
    // from the kill until it is active again at 20.5 s (restart at 20 s); healthy ranks pause
    // 20.4-20.6 s.
    List<double[]> tok =
        tokens(30_000, new double[][] {{10_000, 10_300}, {20_400, 20_600}}, 1, 10_000, 20_500);
    double[] ms = tok.stream().mapToDouble(t -> t[0]).toArray();
    int[] ranks = tok.stream().mapToInt(t -> (int) t[1]).toArray();
    List<double[]> perRequest = List.of(new double[] {5_000, 5_010, 5_020, 5_030});
    List<Metrics.TimedView> views =
        List.of(
            new Metrics.TimedView(
                0, view(8, SlotState.ACTIVE, SlotState.ACTIVE, SlotState.ACTIVE, SlotState.ACTIVE)),
            new Metrics.TimedView(
                10_020,
                view(9, SlotState.ACTIVE, SlotState.FAILED, SlotState.ACTIVE, SlotState.ACTIVE)),
            new Metrics.TimedView(
                20_100,
                view(10, SlotState.ACTIVE, SlotState.JOINING, SlotState.ACTIVE, SlotState.ACTIVE)),
            new Metrics.TimedView(
                20_500,
                view(11, SlotState.ACTIVE, SlotState.ACTIVE, SlotState.ACTIVE, SlotState.ACTIVE)));
    List<Metrics.TimedFault> faults =
        List.of(
            new Metrics.TimedFault(10_000, FaultEvent.Kind.KILL, 1),
            new Metrics.TimedFault(20_000, FaultEvent.Kind.REJOIN, 1));

    Metrics m = Metrics.compute(new Metrics.Timeline(ms, ranks, perRequest, views, faults, 30_000));

    assertThat(m.tokensPerSBeforeFault()).isCloseTo(400.0, offset(1.0)); // 4 ranks x 100 tokens/s
    assertThat(m.stepMs()).isCloseTo(10.0, offset(1e-9));
    assertThat(m.detectionMs()).isCloseTo(20.0, offset(1e-9));
    // first token after the view is rank 0's at 10 300 ms; the last before it was at 9 997.5 (rank
    // 3), before the kill
    assertThat(m.recoveryPauseMs()).isCloseTo(300.0, offset(1e-9));
    // target = 0.95 x 400 x 3/4 = 285 tokens/s; the degraded rate is 300 tokens/s after the 300 ms
    // silence: a 1 s window
    // starting at 10 000 + k x 10 ms holds 300 x (1 - (300 - 10k)/1000) tokens/s, first >= 285 at k
    // = 25 (250 ms)
    assertThat(m.target95TokensPerS()).isCloseTo(285.0, offset(1e-9));
    assertThat(m.timeTo95Ms()).isCloseTo(250.0, offset(1e-6));
    assertThat(m.rejoinToActiveMs()).isCloseTo(500.0, offset(1e-9));
    // healthy ranks' tokens stop at 20 397.5 and resume at 20 600: a gap of 202.5 ms
    assertThat(m.reintegrationPauseMs()).isCloseTo(202.5, offset(1e-9));
    assertThat(m.binTokensPerS()).hasSize(300);
  }

  @Test
  void aStragglerTokenJustAfterTheFailureViewDoesNotHideThePause() {
    // Rank 0 still finishes the step it had all messages for and emits one token 1 ms after the
    // view (10 021 ms);
    // then nothing until the survivors resume at 10 300 ms.
    List<double[]> tok =
        new ArrayList<>(tokens(30_000, new double[][] {{10_000, 10_300}}, 1, 10_000, 30_000));
    tok.add(new double[] {10_021, 0});
    tok.sort((a, b) -> Double.compare(a[0], b[0]));
    List<Metrics.TimedView> views =
        List.of(
            new Metrics.TimedView(
                0, view(8, SlotState.ACTIVE, SlotState.ACTIVE, SlotState.ACTIVE, SlotState.ACTIVE)),
            new Metrics.TimedView(
                10_020,
                view(9, SlotState.ACTIVE, SlotState.FAILED, SlotState.ACTIVE, SlotState.ACTIVE)));
    Metrics m =
        Metrics.compute(
            new Metrics.Timeline(
                tok.stream().mapToDouble(t -> t[0]).toArray(),
                tok.stream().mapToInt(t -> (int) t[1]).toArray(),
                List.of(),
                views,
                List.of(new Metrics.TimedFault(10_000, FaultEvent.Kind.KILL, 1)),
                30_000));
    assertThat(m.recoveryPauseMs()).isCloseTo(279.0, offset(1e-9));
    assertThat(m.resumeMs()).isCloseTo(10_300.0, offset(1e-9));
  }

  @Test
  void withoutAFaultOnlyTheSteadyStateIsDefined() {
    List<double[]> tok = tokens(4_000, new double[0][], -1, 0, 0);
    Metrics m =
        Metrics.compute(
            new Metrics.Timeline(
                tok.stream().mapToDouble(t -> t[0]).toArray(),
                tok.stream().mapToInt(t -> (int) t[1]).toArray(),
                List.of(),
                List.of(),
                List.of(),
                4_000));
    assertThat(m.tokensPerSBeforeFault()).isCloseTo(400.0, offset(1.0));
    assertThat(m.detectionMs()).isNull();
    assertThat(m.recoveryPauseMs()).isNull();
    assertThat(m.timeTo95Ms()).isNull();
    assertThat(m.reintegrationPauseMs()).isNull();
  }

  @Test
  void aStaticInstanceThatFailsNeverResumes() {
    List<double[]> tok = tokens(10_000, new double[][] {{5_000, 10_000}}, -1, 0, 0);
    MembershipView failed =
        new MembershipView(
            9,
            InstanceState.FAILED,
            view(9, SlotState.ACTIVE, SlotState.FAILED, SlotState.ACTIVE, SlotState.ACTIVE).slots(),
            "static membership: rank 1 failed");
    Metrics m =
        Metrics.compute(
            new Metrics.Timeline(
                tok.stream().mapToDouble(t -> t[0]).toArray(),
                tok.stream().mapToInt(t -> (int) t[1]).toArray(),
                List.of(),
                List.of(
                    new Metrics.TimedView(
                        0,
                        view(
                            8,
                            SlotState.ACTIVE,
                            SlotState.ACTIVE,
                            SlotState.ACTIVE,
                            SlotState.ACTIVE)),
                    new Metrics.TimedView(5_010, failed)),
                List.of(new Metrics.TimedFault(5_000, FaultEvent.Kind.KILL, 1)),
                10_000));
    assertThat(m.detectionMs()).isCloseTo(10.0, offset(1e-9));
    assertThat(m.recoveryPauseMs()).isNull();
    assertThat(m.timeTo95Ms()).isNull();
  }
}
