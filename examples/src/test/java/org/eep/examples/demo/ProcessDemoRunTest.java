package org.eep.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.eep.djl.model.Preset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo driver with every rank a process (tcp transport, embedded ZooKeeper): rank 1's process
 * is killed with {@code kill -9} and a new one rejoins; no request is lost, every token matches the
 * reference model, and the report tells the story from the processes' own counters.
 */
class ProcessDemoRunTest {
  @TempDir static Path cache;

  @Test
  void aKilledRankProcessRejoinsWithoutLosingOrChangingAToken(@TempDir Path reportDir)
      throws Exception {
    Path model = ModelCache.ensure(cache, Preset.TINY, 42, line -> {});
    Scenario s =
        new Scenario(
            4,
            "tcp",
            "zookeeper",
            Preset.TINY,
            7,
            6,
            4,
            0,
            List.of(
                new FaultEvent(FaultEvent.Kind.KILL, 1, 2),
                new FaultEvent(FaultEvent.Kind.REJOIN, 1, 4)),
            RequestShape.MIXED,
            Map.of(),
            true,
            120);
    assertThat(s.multiProcess()).isTrue();

    DemoRun.Result run = new DemoRun(s, model).run();
    Metrics m = Metrics.compute(Metrics.timeline(run.recorder(), run.loadEndMs()));
    DemoReport.write(reportDir, DemoReport.build(run, m));

    JsonObject j =
        JsonParser.parseString(Files.readString(reportDir.resolve("report.json")))
            .getAsJsonObject();
    int submitted = j.get("requests_submitted").getAsInt();
    assertThat(submitted).isPositive();
    assertThat(j.get("requests_completed").getAsInt()).isEqualTo(submitted);
    assertThat(j.get("requests_lost").getAsInt()).as("requests lost").isZero();
    assertThat(j.get("requests_verified").getAsInt()).isEqualTo(submitted);
    assertThat(j.get("token_mismatches").getAsInt())
        .as("tokens that differ from the reference model")
        .isZero();
    assertThat(j.get("stream_errors").getAsInt())
        .as("tokens streamed twice, skipped or changed")
        .isZero();

    // Every token is attributed to the rank process that streamed it.
    double[] ranks = run.recorder().tokenTimeline()[1];
    assertThat(ranks).isNotEmpty();
    assertThat(Arrays.stream(ranks).allMatch(r -> r >= 0 && r < 4))
        .as("token ranks %s", Arrays.toString(ranks))
        .isTrue();

    assertThat(j.getAsJsonObject("fault").get("kind").getAsString()).isEqualTo("kill");
    assertThat(j.get("detection_ms").getAsDouble()).isNotNegative();
    assertThat(j.get("recovery_pause_ms").getAsDouble()).isNotNegative();
    assertThat(j.getAsJsonObject("rejoin").get("restart_to_active_ms").getAsDouble())
        .isNotNegative();
    assertThat(j.get("reintegration_pause_ms").getAsDouble()).isNotNegative();

    List<String> summaries =
        j.getAsJsonArray("epochs").asList().stream()
            .map(e -> e.getAsJsonObject().get("summary").getAsString())
            .toList();
    int failed = -1;
    int back = -1;
    for (int i = 0; i < summaries.size(); i++) {
      if (failed < 0 && summaries.get(i).endsWith("[A F A A]")) {
        failed = i;
      }
      if (summaries.get(i).endsWith("[A A A A]")) {
        back = i;
      }
    }
    assertThat(failed).as("a view with rank 1 FAILED in %s", summaries).isNotNegative();
    assertThat(back)
        .as("rank 1 ACTIVE again after the failure in %s", summaries)
        .isGreaterThan(failed);

    // The repairs and counters came from the rank processes' /status.
    JsonObject tiers = j.getAsJsonObject("repair").getAsJsonObject("by_tier");
    assertThat(
            tiers.entrySet().stream()
                .mapToLong(e -> e.getValue().getAsJsonObject().get("loads").getAsLong())
                .sum())
        .isPositive();
    j.getAsJsonArray("ranks")
        .forEach(
            e -> {
              JsonObject r = e.getAsJsonObject();
              assertThat(r.get("incarnation").getAsLong()).isPositive();
              if (r.get("rank").getAsInt() != 1) {
                assertThat(r.get("rebuilds").getAsLong())
                    .as("rebuilds on healthy rank %s", r.get("rank"))
                    .isZero();
              }
            });
    assertThat(
            j.getAsJsonArray("ranks").asList().stream()
                .filter(e -> e.getAsJsonObject().get("rank").getAsInt() == 1)
                .map(e -> e.getAsJsonObject().get("incarnation").getAsLong()))
        .contains(1L, 2L);

    JsonObject config = j.getAsJsonObject("config");
    assertThat(config.get("transport").getAsString()).isEqualTo("tcp");
    assertThat(config.get("membership").getAsString()).isEqualTo("zookeeper");
  }
}
