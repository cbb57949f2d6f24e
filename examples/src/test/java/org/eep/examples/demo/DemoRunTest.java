package org.eep.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eep.djl.model.Preset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The demo driver end to end on the tiny preset: 4 ranks in this JVM under Poisson load, a rank
 * killed (or frozen) and restarted, every token checked against the reference model, and the report
 * written and read back.
 */
class DemoRunTest {
  @TempDir static Path cache;

  static Path model;

  @BeforeAll
  static void generateModel() throws Exception {
    model = ModelCache.ensure(cache, Preset.TINY, 42, line -> {});
  }

  @ParameterizedTest(name = "{0} rank 1, then rejoin")
  @EnumSource(
      value = FaultEvent.Kind.class,
      names = {"KILL", "STOP"})
  void aRankFailsAndRejoinsWithoutLosingOrChangingATokenAndTheReportSaysSo(
      FaultEvent.Kind fault, @TempDir Path reportDir) throws Exception {
    Scenario s =
        new Scenario(
            4,
            "local",
            "local",
            Preset.TINY,
            7,
            6,
            10,
            0,
            List.of(new FaultEvent(fault, 1, 2), new FaultEvent(FaultEvent.Kind.REJOIN, 1, 4)),
            RequestShape.MIXED,
            Map.of(),
            true,
            120);

    DemoRun.Result run = new DemoRun(s, model).run();
    Metrics m = Metrics.compute(Metrics.timeline(run.recorder(), run.loadEndMs()));
    Map<String, Object> report = DemoReport.build(run, m);
    DemoReport.write(reportDir, report);
    TimelineChart.write(run, m, reportDir.resolve("timeline.png"));

    JsonObject j =
        JsonParser.parseString(Files.readString(reportDir.resolve("report.json")))
            .getAsJsonObject();
    int submitted = j.get("requests_submitted").getAsInt();
    assertThat(submitted).isPositive();
    assertThat(
            j.get("requests_completed").getAsInt()
                + j.get("requests_lost").getAsInt()
                + j.get("requests_rejected").getAsInt())
        .isEqualTo(submitted);
    assertThat(j.get("requests_lost").getAsInt()).as("requests lost").isZero();
    assertThat(j.get("requests_rejected").getAsInt()).as("requests rejected").isZero();
    assertThat(j.get("requests_verified").getAsInt())
        .isEqualTo(j.get("requests_completed").getAsInt());
    assertThat(j.get("token_mismatches").getAsInt())
        .as("tokens that differ from the reference model")
        .isZero();
    assertThat(j.get("stream_errors").getAsInt())
        .as("tokens streamed twice, skipped or changed")
        .isZero();

    assertThat(j.getAsJsonObject("fault").get("kind").getAsString()).isEqualTo(fault.id());
    assertThat(j.getAsJsonObject("fault").get("rank").getAsInt()).isEqualTo(1);
    assertThat(j.get("detection_ms").getAsDouble()).isNotNegative();
    assertThat(j.get("recovery_pause_ms").getAsDouble()).isNotNegative();
    assertThat(j.get("tokens_per_s_before_fault").getAsDouble()).isPositive();
    assertThat(j.getAsJsonObject("rejoin").get("restart_to_active_ms").getAsDouble())
        .isNotNegative();
    assertThat(j.get("reintegration_pause_ms").getAsDouble()).isNotNegative();
    assertThat(j.has("time_to_95pct_ms")).isTrue();

    // The epochs tell the story: rank 1 FAILED after the fault, then ACTIVE again as incarnation 2.
    List<String> summaries =
        j.getAsJsonArray("epochs").asList().stream()
            .map(e -> e.getAsJsonObject().get("summary").getAsString())
            .toList();
    int failed = indexOf(summaries, "[A F A A]");
    int back = lastIndexOf(summaries, "[A A A A]");
    assertThat(failed).as("a view with rank 1 FAILED in %s", summaries).isNotNegative();
    assertThat(back)
        .as("rank 1 ACTIVE again after the failure in %s", summaries)
        .isGreaterThan(failed);
    long epochAtDetection =
        j.getAsJsonArray("epochs").get(failed).getAsJsonObject().get("epoch").getAsLong();
    assertThat(m.failureViewMs())
        .isEqualTo(
            j.getAsJsonObject("fault").get("failure_view_t_ms").getAsDouble(),
            org.assertj.core.data.Offset.offset(0.1));
    assertThat(epochAtDetection).isPositive();

    // Coverage was restored by repairs, and the rejoining rank loaded its slots.
    JsonObject tiers = j.getAsJsonObject("repair").getAsJsonObject("by_tier");
    long loads =
        tiers.entrySet().stream()
            .mapToLong(e -> e.getValue().getAsJsonObject().get("loads").getAsLong())
            .sum();
    long bytes =
        tiers.entrySet().stream()
            .mapToLong(e -> e.getValue().getAsJsonObject().get("bytes").getAsLong())
            .sum();
    assertThat(loads).isPositive();
    assertThat(bytes).isPositive();

    // Healthy ranks rebuilt nothing; rank 1 appears as two incarnations.
    j.getAsJsonArray("ranks")
        .forEach(
            e -> {
              JsonObject r = e.getAsJsonObject();
              if (r.get("rank").getAsInt() != 1) {
                assertThat(r.get("rebuilds").getAsLong())
                    .as("rebuilds on healthy rank %s", r.get("rank"))
                    .isZero();
              }
            });
    assertThat(
            j.getAsJsonArray("ranks").asList().stream()
                .filter(e -> e.getAsJsonObject().get("rank").getAsInt() == 1)
                .count())
        .isEqualTo(2);

    JsonObject config = j.getAsJsonObject("config");
    assertThat(config.get("transport").getAsString()).isEqualTo("local");
    assertThat(config.get("membership").getAsString()).isEqualTo("local");
    assertThat(config.get("ranks").getAsInt()).isEqualTo(4);
    assertThat(config.get("preset").getAsString()).isEqualTo("tiny");
    assertThat(config.get("seed").getAsLong()).isEqualTo(7);

    byte[] png = Files.readAllBytes(reportDir.resolve("timeline.png"));
    assertThat(png).startsWith(0x89, 'P', 'N', 'G');
  }

  private static int indexOf(List<String> summaries, String slots) {
    for (int i = 0; i < summaries.size(); i++) {
      if (summaries.get(i).endsWith(slots)) {
        return i;
      }
    }
    return -1;
  }

  private static int lastIndexOf(List<String> summaries, String slots) {
    for (int i = summaries.size() - 1; i >= 0; i--) {
      if (summaries.get(i).endsWith(slots)) {
        return i;
      }
    }
    return -1;
  }
}
