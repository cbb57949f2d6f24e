package org.eep.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.eep.djl.model.Preset;
import org.junit.jupiter.api.Test;

class FaultEventTest {
  @Test
  void parsesRankAtSeconds() {
    assertThat(FaultEvent.parse(FaultEvent.Kind.KILL, "1@10"))
        .isEqualTo(new FaultEvent(FaultEvent.Kind.KILL, 1, 10));
    assertThat(FaultEvent.parse(FaultEvent.Kind.STOP, " 2 @ 7.5 "))
        .isEqualTo(new FaultEvent(FaultEvent.Kind.STOP, 2, 7.5));
    assertThatThrownBy(() -> FaultEvent.parse(FaultEvent.Kind.REJOIN, "1"))
        .hasMessageContaining("--rejoin expects RANK@SECONDS");
    assertThatThrownBy(() -> FaultEvent.parse(FaultEvent.Kind.KILL, "a@b"))
        .hasMessageContaining("--kill expects RANK@SECONDS");
  }

  @Test
  void theLeaderIsATargetResolvedWhenTheFaultHappens() {
    FaultEvent stop = FaultEvent.parse(FaultEvent.Kind.STOP, "leader@4");
    assertThat(stop.target()).isEqualTo(new FaultEvent.Target.Leader());
    assertThat(stop).hasToString("stop leader@4.0");
    Scenario local =
        new Scenario(
            4,
            "local",
            "local",
            Preset.TINY,
            1,
            10,
            5,
            0,
            List.of(stop),
            RequestShape.MIXED,
            Map.of(),
            false,
            10);
    assertThat(local.problems())
        .singleElement()
        .satisfies(
            p ->
                assertThat(p)
                    .isEqualTo(
                        "--stop leader@4.0: only with --membership zookeeper (with local the"
                            + " coordinator is not a rank)"));
  }

  @Test
  void theDemoNamesWhatItCannotRun() {
    Scenario s =
        new Scenario(
            4,
            "ucx",
            "local",
            Preset.TINY,
            1,
            10,
            5,
            0,
            List.of(new FaultEvent(FaultEvent.Kind.KILL, 7, 3)),
            RequestShape.MIXED,
            Map.of(),
            false,
            10);
    assertThat(s.multiProcess()).isFalse();
    assertThat(s.problems())
        .hasSize(2)
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("--transport ucx")
                    .contains("local or tcp")
                    .contains("--membership zookeeper"))
        .anySatisfy(p -> assertThat(p).contains("rank 7 does not exist"));
    Scenario zk =
        new Scenario(
            4,
            "local",
            "zookeeper",
            Preset.TINY,
            1,
            10,
            5,
            0,
            List.of(),
            RequestShape.MIXED,
            Map.of(),
            false,
            10);
    assertThat(zk.problems())
        .singleElement()
        .satisfies(p -> assertThat(p).contains("--membership zookeeper").contains("tcp or ucx"));
    for (String transport : List.of("ucx", "tcp")) {
      Scenario processes =
          new Scenario(
              4,
              transport,
              "zookeeper",
              Preset.TINY,
              1,
              10,
              5,
              0,
              List.of(),
              RequestShape.MIXED,
              Map.of(),
              false,
              10);
      assertThat(processes.multiProcess()).isTrue();
      assertThat(processes.problems()).isEmpty();
    }
    assertThat(Scenario.defaults(Preset.DEMO).problems()).isEmpty();
    assertThat(Scenario.defaultFaults(4, 30))
        .containsExactly(
            new FaultEvent(FaultEvent.Kind.KILL, 1, 10),
            new FaultEvent(FaultEvent.Kind.REJOIN, 1, 20));
  }
}
