package org.eep.examples.bench.detection;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.eep.api.config.EepKeys;
import org.eep.djl.model.Preset;
import org.eep.examples.bench.SuiteFiles;
import org.eep.examples.demo.DemoReport;
import org.eep.examples.demo.DemoRun;
import org.eep.examples.demo.FaultEvent;
import org.eep.examples.demo.Metrics;
import org.eep.examples.demo.ModelCache;
import org.eep.examples.demo.Recorder;
import org.eep.examples.demo.RequestShape;
import org.eep.examples.demo.Scenario;
import org.eep.server.launcher.UcxProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./eep bench detection}: how fast a frozen or killed rank process is found, and whether a
 * busy one is ever taken for frozen. With rank processes under closed-loop load on the demo preset:
 * one run without faults (views that fail a rank, probes reported: both must be 0), then runs that
 * SIGSTOP and runs that kill -9 the leader (the rank that commits views) and rank 1, each with the
 * time from the fault to the view that evicts the rank, next to the session timeout that bounded it
 * before.
 */
@Command(
    name = "detection",
    mixinStandardHelpOptions = true,
    description =
        "Frozen (SIGSTOP) and killed (kill -9) rank detection and false evictions, with rank"
            + " processes.")
public final class DetectionBenchCommand implements Callable<Integer> {
  @Mixin SuiteFiles files = SuiteFiles.inTarget();

  @Option(
      names = "--runs",
      defaultValue = "2",
      description =
          "Runs per fault (SIGSTOP, kill -9) and target (the leader, rank 1) (default:"
              + " ${DEFAULT-VALUE}).")
  int runs;

  @Option(
      names = "--duration",
      defaultValue = "20",
      description = "Seconds of load per run; the fault is half-way (default: ${DEFAULT-VALUE}).")
  double duration;

  @Option(
      names = "--quiet-duration",
      defaultValue = "60",
      description = "Seconds of load of the run without faults (default: ${DEFAULT-VALUE}).")
  double quietDuration;

  @Option(
      names = "--clients",
      defaultValue = "12",
      description = "Closed-loop clients (default: ${DEFAULT-VALUE}).")
  int clients;

  @Override
  public Integer call() throws Exception {
    if (runs < 1 || !(duration > 2) || !(quietDuration > 0) || clients < 1) {
      System.err.println(
          "eep bench detection: --runs >= 1, --duration > 2, --quiet-duration > 0, --clients >= 1");
      return 2;
    }
    Path model = ModelCache.ensure(Preset.DEMO, 42, line -> System.err.println("model: " + line));
    String transport = UcxProbe.available() ? "ucx" : "tcp";
    Map<String, Object> quiet = run(model, transport, "none", quietDuration, List.of());
    List<Map<String, Object>> faults = new ArrayList<>();
    for (FaultEvent.Kind kind : List.of(FaultEvent.Kind.STOP, FaultEvent.Kind.KILL)) {
      for (int i = 0; i < runs; i++) {
        for (FaultEvent.Target target :
            List.of(new FaultEvent.Target.Leader(), new FaultEvent.Target.Rank(1))) {
          faults.add(
              run(
                  model,
                  transport,
                  kind.id() + " " + target,
                  duration,
                  List.of(new FaultEvent(kind, target, duration / 2))));
        }
      }
    }
    Map<String, Object> json = files.jsonHeader(command());
    json.put("transport", transport);
    json.put("clients", clients);
    json.put("duration_s", duration);
    json.put("probe_after_ms", EepKeys.PROBE_AFTER_MS.defaultValue());
    json.put("probe_timeout_ms", EepKeys.PROBE_TIMEOUT_MS.defaultValue());
    json.put("no_faults", quiet);
    json.put("faults", faults);
    files.publish(SuiteFiles.PRETTY.toJson(json), section(transport, quiet, faults), "Benchmarks");
    return 0;
  }

  private Map<String, Object> run(
      Path model, String transport, String label, double seconds, List<FaultEvent> faults)
      throws Exception {
    System.err.printf(
        Locale.ROOT,
        "eep bench detection: %s, %.0f s of load, %d clients%n",
        label,
        seconds,
        clients);
    Scenario s =
        new Scenario(
            4,
            transport,
            "zookeeper",
            Preset.DEMO,
            42,
            seconds,
            Scenario.defaultRate(Preset.DEMO, true),
            clients,
            faults,
            RequestShape.MIXED,
            Map.of(),
            true,
            Math.max(120, 4 * seconds));
    DemoRun.Result res = new DemoRun(s, model).run();
    Metrics m = Metrics.compute(Metrics.timeline(res.recorder(), res.loadEndMs()));
    Map<String, Object> report = DemoReport.build(res, m);
    DemoReport.write(files.out().resolve("detection-" + label.replace(' ', '-')), report);
    List<Recorder.Event> events = res.recorder().events();
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("run", label);
    row.put("duration_s", seconds);
    row.put(
        "target_was_leader",
        events.stream()
            .anyMatch(e -> e.kind().equals("note") && e.text().endsWith(" is the leader")));
    row.put("detection_ms", m.detectionMs());
    row.put("recovery_pause_ms", m.recoveryPauseMs());
    row.put(
        "evictions",
        events.stream()
            .filter(e -> e.kind().equals("view") && e.text().contains(" failed: "))
            .map(Recorder.Event::text)
            .toList());
    long probesFailed = 0;
    for (DemoRun.RankSnapshot snap : res.rankStats()) {
      probesFailed += snap.stats().probes().failed();
    }
    row.put("probes_failed", probesFailed);
    row.put("requests_lost", report.get("requests_lost"));
    row.put("token_mismatches", report.get("token_mismatches"));
    System.err.printf(
        Locale.ROOT,
        "  detection %s ms, evictions %s, probes reported %d, lost %s%n",
        m.detectionMs(),
        row.get("evictions"),
        probesFailed,
        report.get("requests_lost"));
    return row;
  }

  private String section(
      String transport, Map<String, Object> quiet, List<Map<String, Object>> faults) {
    StringBuilder md =
        new StringBuilder(
                "## Frozen (SIGSTOP) and killed (kill -9) rank detection, and false evictions\n\n")
            .append(files.reproduce(command()))
            .append(
                String.format(
                    Locale.ROOT,
                    "4 rank processes, `%s` + embedded ZooKeeper (2 s sessions: heartbeats 200 ms"
                        + " × 10), demo preset, %d closed-loop clients; %.0f s without faults,"
                        + " then %.0f s per fault run, the fault half-way. A rank"
                        + " silent on the data plane for `eep_probe_after_ms` (%s ms) is probed;"
                        + " its transport answers from its I/O thread, so a rank busy in a step"
                        + " answers and a frozen process does not; after `eep_probe_timeout_ms` (%s ms) the prober reports"
                        + " it, and a majority of its peers evicts it. A killed rank's peers"
                        + " report the transport error, which evicts it at once, and judge it as"
                        + " one that does not answer (when the killed rank was the leader, no"
                        + " leader acts on the error until its session expires: the probe"
                        + " witnesses do). Detection is the time from the fault to the view"
                        + " that evicts the rank, as in the demo's report.%n%n",
                    transport,
                    clients,
                    quietDuration,
                    duration,
                    EepKeys.PROBE_AFTER_MS.defaultValue(),
                    EepKeys.PROBE_TIMEOUT_MS.defaultValue()))
            .append(
                "| run | the rank was the leader | detection | recovery pause | evictions |"
                    + " probes reported | lost | token mismatches |\n")
            .append("|---|---|---:|---:|---|---:|---:|---:|\n");
    List<Map<String, Object>> all = new ArrayList<>();
    all.add(quiet);
    all.addAll(faults);
    for (Map<String, Object> r : all) {
      @SuppressWarnings("unchecked")
      List<String> evictions = (List<String>) r.get("evictions");
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %s | %s | %s | %s |%n",
              r.get("run"),
              r.get("run").equals("none")
                  ? "—"
                  : ((Boolean) r.get("target_was_leader") ? "yes" : "no"),
              ms(r.get("detection_ms")),
              ms(r.get("recovery_pause_ms")),
              evictions.isEmpty() ? "none" : String.join("; ", evictions).replace("|", "/"),
              r.get("probes_failed"),
              r.get("requests_lost"),
              r.get("token_mismatches")));
    }
    md.append(
        "\nGoal (issue 17): frozen-rank detection ≤ 1 s by default, with no false eviction of a"
            + " healthy but busy rank under the demo load on 2 cores (the run without faults must"
            + " show no eviction). Before the data-plane probes it was the 2 s session (1.9–2.1 s"
            + " measured); a killed leader was found by its session expiring until 2026-12-02"
            + " (1.4–2.1 s).\n");
    return md.toString();
  }

  private static String ms(Object v) {
    return v == null ? "—" : String.format(Locale.ROOT, "%.0f ms", ((Number) v).doubleValue());
  }

  private String command() {
    return "./eep bench detection --out "
        + files.out()
        + (runs == 2 ? "" : " --runs " + runs)
        + (duration == 20 ? "" : " --duration " + duration)
        + (quietDuration == 60 ? "" : " --quiet-duration " + quietDuration)
        + (clients == 12 ? "" : " --clients " + clients);
  }
}
