package org.eep.examples.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.eep.api.membership.Slot;
import org.eep.api.membership.SlotState;
import org.eep.djl.model.Preset;
import org.eep.examples.demo.DemoReport;
import org.eep.examples.demo.DemoRun;
import org.eep.examples.demo.FaultEvent;
import org.eep.examples.demo.FullRestart;
import org.eep.examples.demo.Metrics;
import org.eep.examples.demo.ModelCache;
import org.eep.examples.demo.Recorder;
import org.eep.examples.demo.Scenario;
import org.eep.examples.demo.TimelineChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./eep bench recovery --out DIR}: the demo scenario (kill a rank at 1/3, restart it at 2/3)
 * repeated, with medians of the recovery pause, time to 95% and reintegration pause, against the
 * full-restart baseline (static membership: the instance fails and is started anew). Writes {@code
 * recovery.json} (and each run's report and timeline under {@code DIR/run-N}) and the {@code
 * recovery} section of {@code docs/BENCHMARKS.md}.
 */
@Command(
    name = "recovery",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Recovery pause, time to 95%% and reintegration pause (medians over runs) vs the full-restart baseline.",
      "Each run N writes run-N/report.json and run-N/timeline.png into --out, with load seed --seed + N - 1."
    })
public final class RecoveryBenchCommand implements Callable<Integer> {
  /** The report table's millisecond columns after "tokens/s before", as the JSON names them. */
  private static final List<String> MS_COLUMNS =
      List.of(
          "step_ms",
          "max_token_gap_before_fault_ms",
          "detection_ms",
          "recovery_pause_ms",
          "time_to_95pct_ms",
          "reintegration_pause_ms");

  @Mixin SuiteFiles files = SuiteFiles.required("docs/BENCHMARKS.md");

  @Option(
      names = "--runs",
      defaultValue = "3",
      description = "Repetitions of the scenario and of the baseline (default: ${DEFAULT-VALUE}).")
  int runs;

  @Mixin ScenarioOptions setup = new ScenarioOptions();

  @Option(
      names = "--duration",
      defaultValue = "15",
      description = "Seconds of load per run (default: ${DEFAULT-VALUE}).")
  double duration;

  @Option(
      names = "--clients",
      defaultValue = "24",
      description =
          "Closed-loop clients, so the instance is never idle and every gap is a pause; 0 = Poisson arrivals at --rate "
              + "(default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = "--rate",
      description =
          "Poisson requests/s with --clients 0 (default: the demo's rate for the preset).")
  Double rate;

  @Option(
      names = "--rank",
      defaultValue = "1",
      description = "The rank that is killed and restarted (default: ${DEFAULT-VALUE}).")
  int rank;

  @Override
  public Integer call() throws Exception {
    files.logToFile();
    int ranks = setup.ranks();
    if (runs < 1 || !(duration > 0) || rank < 0 || rank >= ranks || ranks < 2) {
      System.err.println(
          "eep bench recovery: --runs >= 1, --duration > 0, --ranks >= 2, 0 <= --rank < --ranks");
      return 2;
    }
    Preset p = setup.preset();
    long seed = setup.seed();
    Path model = ModelCache.ensure(p, seed, line -> System.err.println("model: " + line));
    double r = rate != null ? rate : Scenario.defaultRate(p);
    List<Map<String, Object>> runRows = new ArrayList<>();
    List<Metrics> metrics = new ArrayList<>();
    int lost = 0;
    int rejected = 0;
    int mismatches = 0;
    int streamErrors = 0;
    for (int i = 0; i < runs; i++) {
      List<FaultEvent> faults =
          List.of(
              new FaultEvent(FaultEvent.Kind.KILL, rank, duration / 3),
              new FaultEvent(FaultEvent.Kind.REJOIN, rank, 2 * duration / 3));
      Scenario s =
          setup.scenario(
              "local", seed + i, duration, r, clients, faults, true, Math.max(60, 2 * duration));
      System.err.printf(
          Locale.ROOT,
          "eep bench recovery: run %d/%d (%.0f s of load, kill rank %d at %.1f s, restart at %.1f s)...%n",
          i + 1,
          runs,
          duration,
          rank,
          duration / 3,
          2 * duration / 3);
      DemoRun.Result res = new DemoRun(s, model).run();
      Metrics m = Metrics.compute(Metrics.timeline(res.recorder(), res.loadEndMs()));
      Map<String, Object> report = DemoReport.build(res, m);
      Path dir = files.out().resolve("run-" + (i + 1));
      DemoReport.write(dir, report);
      TimelineChart.write(res, m, dir.resolve("timeline.png"));
      metrics.add(m);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("run", i + 1);
      row.put("load_seed", seed + i);
      for (String k :
          List.of(
              "requests_submitted",
              "requests_completed",
              "requests_lost",
              "requests_rejected",
              "token_mismatches",
              "stream_errors",
              "tokens_per_s_before_fault",
              "step_ms",
              "max_token_gap_before_fault_ms",
              "detection_ms",
              "recovery_pause_ms",
              "time_to_95pct_ms",
              "reintegration_pause_ms",
              "tokens_per_s_after_rejoin")) {
        row.put(k, report.get(k));
      }
      row.put("unexpected_views", unexpected(res, rank));
      row.put("load_average", Math.round(Machine.loadAverage() * 100) / 100.0);
      runRows.add(row);
      lost += ((Number) report.get("requests_lost")).intValue();
      rejected += ((Number) report.get("requests_rejected")).intValue();
      mismatches +=
          report.get("token_mismatches") == null
              ? 0
              : ((Number) report.get("token_mismatches")).intValue();
      streamErrors += ((Number) report.get("stream_errors")).intValue();
      System.err.printf(
          Locale.ROOT,
          "  detection %s ms, recovery pause %s ms, time to 95%% %s ms, reintegration pause %s ms, lost %s, mismatches %s%n",
          report.get("detection_ms"),
          report.get("recovery_pause_ms"),
          report.get("time_to_95pct_ms"),
          report.get("reintegration_pause_ms"),
          report.get("requests_lost"),
          report.get("token_mismatches"));
    }
    List<FullRestart.Result> restarts = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      System.err.printf(
          Locale.ROOT,
          "eep bench recovery: full-restart baseline %d/%d (static membership)...%n",
          i + 1,
          runs);
      Scenario base = setup.scenario("static", seed + i, duration, r, 0, List.of(), false, 60);
      FullRestart.Result fr =
          FullRestart.measure(base, model, duration / 3, clients > 0 ? clients : 16, rank);
      restarts.add(fr);
      System.err.printf(
          Locale.ROOT,
          "  full restart %.0f ms (detect %.0f, teardown %.0f, start %.0f, first token %.0f), %d of %d in-flight requests lost%n",
          fr.totalMs(),
          fr.detectionMs(),
          fr.teardownMs(),
          fr.startMs(),
          fr.firstTokenMs(),
          fr.requestsLost(),
          fr.inFlightAtKill());
    }

    Double pause = med(metrics, Metrics::recoveryPauseMs);
    Double t95 = med(metrics, Metrics::timeTo95Ms);
    Double reint = med(metrics, Metrics::reintegrationPauseMs);
    Double detect = med(metrics, Metrics::detectionMs);
    Double step = med(metrics, Metrics::stepMs);
    Double fullRestart = Stats.median(restarts.stream().map(FullRestart.Result::totalMs).toList());
    Map<String, Object> medians = new LinkedHashMap<>();
    medians.put("detection_ms", r1(detect));
    medians.put("recovery_pause_ms", r1(pause));
    medians.put("time_to_95pct_ms", r1(t95));
    medians.put("reintegration_pause_ms", r1(reint));
    medians.put("step_ms", r1(step));
    medians.put(
        "max_token_gap_before_fault_ms", r1(med(metrics, Metrics::maxTokenGapBeforeFaultMs)));
    medians.put("full_restart_ms", r1(fullRestart));
    Goals goals =
        new Goals(
            Stats.ratio(pause, fullRestart),
            Stats.ratio(reint, step),
            Stats.ratio(t95, pause),
            lost,
            rejected,
            mismatches,
            streamErrors);

    String command = command();
    Map<String, Object> json = files.jsonHeader(command);
    json.put("available_processors", Machine.cores());
    json.put("preset", p.id());
    json.put("ranks", ranks);
    json.put("transport", setup.transport());
    json.put(
        "load", clients > 0 ? clients + " closed-loop clients" : "Poisson " + r + " requests/s");
    json.put("duration_s", duration);
    json.put("options", setup.options());
    json.put("runs", runRows);
    json.put("medians", medians);
    json.put("recovery_pause_ms", r1(pause));
    json.put("time_to_95pct_ms", r1(t95));
    json.put("reintegration_pause_ms", r1(reint));
    json.put("full_restart_ms", r1(fullRestart));
    json.put("full_restart", restarts);
    json.put("requests_lost", lost);
    json.put("requests_rejected", rejected);
    json.put("token_mismatches", mismatches);
    json.put("stream_errors", streamErrors);
    json.put(
        "full_restart_requests_lost",
        restarts.stream().mapToInt(FullRestart.Result::requestsLost).sum());
    json.put("goals", goals.json());
    Path file = files.writeJson(DemoReport.GSON.toJson(json) + "\n");
    files.updateDoc(markdown(command, p, r, runRows, medians, restarts, goals));
    System.out.printf(
        Locale.ROOT,
        "recovery pause %s ms (%s of the %s ms full restart), time to 95%% %s ms, reintegration pause %s ms; "
            + "lost %d, mismatches %d; wrote %s and the recovery section of %s%n",
        Stats.fmt(pause, "%.0f"),
        pct(goals.pauseShare()),
        Stats.fmt(fullRestart, "%.0f"),
        Stats.fmt(t95, "%.0f"),
        Stats.fmt(reint, "%.0f"),
        lost,
        mismatches,
        file,
        files.doc());
    return 0;
  }

  private String command() {
    return "./eep bench recovery --out "
        + files.out()
        + (runs == 3 ? "" : " --runs " + runs)
        + setup.flags()
        + (duration == 15 ? "" : " --duration " + duration)
        + (clients == 24 ? "" : " --clients " + clients)
        + (rate == null ? "" : " --rate " + rate)
        + (rank == 1 ? "" : " --rank " + rank);
  }

  private String markdown(
      String command,
      Preset p,
      double r,
      List<Map<String, Object>> rows,
      Map<String, Object> med,
      List<FullRestart.Result> restarts,
      Goals goals) {
    StringBuilder sb = new StringBuilder();
    sb.append("## Recovery: pause, time to 95%, reintegration vs full restart\n\n");
    sb.append("Reproduce: `")
        .append(command)
        .append(
            "` (writes `recovery.json`, and `run-N/report.json` + `run-N/timeline.png` per run).\n\n");
    sb.append(
        String.format(
            Locale.ROOT,
            "The demo scenario %d times: preset `%s`, %d ranks in one JVM, transport `%s`, membership `local`, "
                + "%s of mixed prompts, %.0f s of load; kill rank %d at %.1f s, restart it at %.1f s. Every completed request "
                + "is checked against the reference model. Baseline: the same instance with `static` membership — the kill fails the instance, "
                + "which is closed and started anew (every rank reloads its weights); measured from the kill to the new instance's first token, "
                + "%d times. In one JVM that restart is a lower bound (no process start, no libtorch load, checkpoint in the page cache). %s%n%n",
            rows.size(),
            p.id(),
            setup.ranks(),
            setup.transport(),
            clients > 0
                ? clients
                    + " closed-loop clients (the instance is never idle, so a token gap is a "
                    + "pause; *gap before* is the longest gap of the steady state, the floor of the gap metrics)"
                : String.format(Locale.ROOT, "Poisson %.1f requests/s", r),
            duration,
            rank,
            duration / 3,
            2 * duration / 3,
            restarts.size(),
            BenchOptions.describe(setup.options())));
    sb.append(
        "| run | tokens/s before | step | gap before | detection | recovery pause | time to 95% | reintegration pause | lost | mismatches |\n");
    sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> row : rows) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %s |%n",
              row.get("run"),
              na(row.get("tokens_per_s_before_fault")),
              msCells(row),
              row.get("requests_lost"),
              na(row.get("token_mismatches"))));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "| **median** | | %s | %d | %d |%n%n",
            msCells(med),
            goals.lost(),
            goals.mismatches()));
    sb.append(
        "| full restart | detection | teardown | start (all ranks reload) | first token | total | in-flight lost |\n");
    sb.append("|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int i = 0; i < restarts.size(); i++) {
      FullRestart.Result f = restarts.get(i);
      sb.append(
          String.format(
              Locale.ROOT,
              "| %d | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %d of %d |%n",
              i + 1,
              f.detectionMs(),
              f.teardownMs(),
              f.startMs(),
              f.firstTokenMs(),
              f.totalMs(),
              f.requestsLost(),
              f.inFlightAtKill()));
    }
    sb.append(
        String.format(
            Locale.ROOT, "| **median** | | | | | %s | |%n%n", msCell(med.get("full_restart_ms"))));
    sb.append(
        String.format(
            Locale.ROOT,
            "1-minute load average at the end of the runs: %s on %d cores (this benchmark's own rank "
                + "threads included; the rest is other work on the machine, and a rank starved of CPU looks like a slow or silent one).%n%n",
            rows.stream()
                .map(x -> String.valueOf(x.get("load_average")))
                .collect(Collectors.joining(", ")),
            Machine.cores()));
    Object floor = med.get("max_token_gap_before_fault_ms");
    if (floor != null
        && med.get("recovery_pause_ms") != null
        && med.get("reintegration_pause_ms") != null) {
      double f = ((Number) floor).doubleValue();
      double rp = ((Number) med.get("recovery_pause_ms")).doubleValue();
      double q = ((Number) med.get("reintegration_pause_ms")).doubleValue();
      sb.append(
          String.format(
              Locale.ROOT,
              "Against the floor: the steady state's own longest token gap (*gap before*, median %.0f ms) is %s the "
                  + "recovery pause (%.0f ms) and %s the reintegration pause (%.0f ms)%s.%n%n",
              f,
              f >= rp ? "longer than" : "shorter than",
              rp,
              f >= q ? "longer than" : "shorter than",
              q,
              f >= rp && f >= q
                  ? ": at this scale both disruptions are within the step-to-step jitter of ranks sharing two cores"
                  : ""));
    }
    List<String> unexpected =
        rows.stream()
            .flatMap(
                x ->
                    ((List<?>) x.get("unexpected_views"))
                        .stream().map(v -> "run " + x.get("run") + ": " + v))
            .toList();
    if (!unexpected.isEmpty()) {
      sb.append(
          "Healthy ranks that left the instance during the load (not injected; typically missed heartbeats while the machine "
              + "was overloaded):\n\n");
      unexpected.forEach(u -> sb.append("- ").append(u).append('\n'));
      sb.append('\n');
    }
    sb.append(goals.table(med));
    return sb.toString();
  }

  /**
   * Views during the load in which a rank other than the faulted one is not ACTIVE (a healthy rank
   * evicted).
   */
  static List<String> unexpected(DemoRun.Result r, int faulted) {
    List<String> out = new ArrayList<>();
    for (Recorder.ViewRecord v : r.recorder().views()) {
      if (r.recorder().ms(v.nanos()) > r.loadEndMs()) {
        continue;
      }
      for (Slot slot : v.view().slots()) {
        if (slot.rank() != faulted && slot.state() != SlotState.ACTIVE) {
          out.add(v.view().summary() + " " + v.view().cause());
          break;
        }
      }
    }
    return out;
  }

  /** The goals, against the medians and totals of the runs. */
  record Goals(
      Double pauseShare,
      Double reintSteps,
      Double t95Ratio,
      int lost,
      int rejected,
      int mismatches,
      int streamErrors) {
    boolean pauseMet() {
      return pauseShare != null && pauseShare <= 0.01;
    }

    boolean reintegrationMet() {
      return reintSteps != null && reintSteps <= 2;
    }

    boolean t95Met() {
      return t95Ratio != null && t95Ratio <= 3;
    }

    boolean noLoss() {
      return lost == 0 && rejected == 0;
    }

    boolean noMismatch() {
      return mismatches == 0 && streamErrors == 0;
    }

    /** The goals as recovery.json holds them: each ratio and whether its goal is met. */
    Map<String, Object> json() {
      Map<String, Object> goals = new LinkedHashMap<>();
      goals.put("recovery_pause_over_full_restart", r4(pauseShare));
      goals.put("recovery_pause_goal_met", pauseMet());
      goals.put("reintegration_pause_in_steps", r4(reintSteps));
      goals.put("reintegration_goal_met", reintegrationMet());
      goals.put("time_to_95pct_over_recovery_pause", r4(t95Ratio));
      goals.put("time_to_95pct_goal_met", t95Met());
      goals.put("no_loss_goal_met", noLoss());
      goals.put("no_mismatch_goal_met", noMismatch());
      return goals;
    }

    /** The goals table of the report, against the medians {@code med}. */
    String table(Map<String, Object> med) {
      StringBuilder sb =
          new StringBuilder(
              "| goal (from the issue) | measured | EEP paper | met |\n|---|---|---|---|\n");
      row(
          sb,
          "recovery pause <= 1% of a full restart",
          msCell(med.get("recovery_pause_ms"))
              + " / "
              + msCell(med.get("full_restart_ms"))
              + " = "
              + pct(pauseShare),
          "11 s / 348 s = 3.2%",
          pauseMet());
      row(
          sb,
          "reintegration pause <= 2 step times",
          msCell(med.get("reintegration_pause_ms"))
              + " = "
              + Stats.fmt(reintSteps, "%.1f")
              + " steps of "
              + msCell(med.get("step_ms")),
          "8 s",
          reintegrationMet());
      row(
          sb,
          "time to 95% <= 3x recovery pause",
          msCell(med.get("time_to_95pct_ms")) + " = " + Stats.fmt(t95Ratio, "%.1f") + "x",
          "52 s = 4.7x",
          t95Met());
      row(sb, "0 requests lost", lost + " lost, " + rejected + " rejected", "—", noLoss());
      row(
          sb,
          "0 token mismatches",
          mismatches + " mismatches, " + streamErrors + " stream errors",
          "—",
          noMismatch());
      return sb.toString();
    }

    private static void row(
        StringBuilder sb, String goal, String measured, String paper, boolean met) {
      sb.append(
          String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", goal, measured, paper, yes(met)));
    }
  }

  private static Double med(List<Metrics> ms, Function<Metrics, Double> f) {
    return Stats.median(ms.stream().map(f).toList());
  }

  private static Double r1(Double v) {
    return v == null ? null : Math.round(v * 10) / 10.0;
  }

  private static Double r4(Double v) {
    return v == null ? null : Math.round(v * 1e4) / 1e4;
  }

  private static String pct(Double share) {
    return share == null ? "n/a" : String.format(Locale.ROOT, "%.1f%%", share * 100);
  }

  private static String msCell(Object v) {
    return v == null ? "n/a" : String.format(Locale.ROOT, "%.0f ms", ((Number) v).doubleValue());
  }

  /** The cells of the table's millisecond columns, from a run's row or the medians. */
  private static String msCells(Map<String, Object> m) {
    return MS_COLUMNS.stream().map(k -> msCell(m.get(k))).collect(Collectors.joining(" | "));
  }

  private static String na(Object v) {
    return v == null ? "n/a" : String.valueOf(v);
  }

  private static String yes(boolean met) {
    return met ? "yes" : "**no**";
  }
}
