package org.eep.examples.bench.restart;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.eep.api.config.EepConfig;
import org.eep.api.membership.MembershipView;
import org.eep.api.membership.SlotState;
import org.eep.examples.InstanceOptions;
import org.eep.examples.bench.SuiteFiles;
import org.eep.examples.demo.ModelCache;
import org.eep.server.launcher.ProcessCluster;
import org.eep.server.launcher.UcxProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./eep bench spare}: how long a killed rank's slot stays empty, with a hot spare ({@code
 * eep_spare_ranks=1}: a warm standby process takes the slot) against a process started afresh once
 * the failure is known; from the kill to the replacement ACTIVE, with the detection and the
 * replacement's own part, several times in one run.
 */
@Command(
    name = "spare",
    mixinStandardHelpOptions = true,
    description = "Kill a rank process: replacement ACTIVE with a hot spare vs a fresh process.")
public final class SpareBenchCommand implements Callable<Integer> {
  private static final Duration PATIENCE = Duration.ofMinutes(3);

  @Mixin SuiteFiles files = SuiteFiles.inTarget();

  @Mixin InstanceOptions instance = new InstanceOptions("demo");

  @Option(
      names = "--runs",
      defaultValue = "3",
      description = "Kills measured per way (default ${DEFAULT-VALUE}).")
  int runs;

  /** One kill: to detection (the FAILED view), and to the replacement's ACTIVE view. */
  record Run(double detectionMs, double activeMs) {}

  @Override
  public Integer call() throws Exception {
    String transport = UcxProbe.available() ? "ucx" : "tcp";
    Path model = ModelCache.ensure(instance.preset(), 42, System.out::println);
    Map<String, List<Run>> ways = new LinkedHashMap<>();
    for (String way : List.of("hot spare", "fresh process")) {
      List<Run> measured = new ArrayList<>();
      EepConfig config =
          EepConfig.fromEnvironment(
              Map.of(
                  "eep_instance",
                  "spare-" + ProcessHandle.current().pid() + "-" + ways.size(),
                  "eep_max_ranks",
                  instance.ranks(),
                  "eep_transport",
                  transport,
                  "eep_membership",
                  "zookeeper",
                  "eep_spare_ranks",
                  way.equals("hot spare") ? 1 : 0,
                  "eep_heartbeat_ms",
                  200,
                  "eep_heartbeat_misses",
                  10));
      try (ProcessCluster c = ProcessCluster.start(config, model, line -> {})) {
        for (int i = 0; i < runs; i++) {
          if (way.equals("hot spare")) {
            c.awaitSpares(1, PATIENCE);
          }
          long before = c.view().slot(1).incarnation();
          long t0 = System.nanoTime();
          c.kill(1);
          c.router().observer().awaitView(v -> v.slot(1).state() == SlotState.FAILED, PATIENCE);
          double detection = (System.nanoTime() - t0) / 1e6;
          if (way.equals("fresh process")) {
            c.restart(1);
          }
          MembershipView active =
              c.router()
                  .observer()
                  .awaitView(
                      v ->
                          v.slot(1).state() == SlotState.ACTIVE && v.slot(1).incarnation() > before,
                      PATIENCE);
          double total = (System.nanoTime() - t0) / 1e6;
          measured.add(new Run(detection, total));
          System.out.printf(
              Locale.ROOT,
              "%s %d: detected %.0f ms, replacement ACTIVE %.0f ms after the kill (%s)%n",
              way,
              i + 1,
              detection,
              total,
              active.summary());
        }
      }
      ways.put(way, measured);
    }
    Map<String, Object> json = files.jsonHeader(command());
    json.put("transport", transport);
    json.put("ranks", instance.ranks());
    json.put("preset", instance.presetName());
    Map<String, Object> medians = new LinkedHashMap<>();
    ways.forEach(
        (way, runsOf) -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("runs", runsOf);
          m.put("median_detection_ms", median(runsOf.stream().map(Run::detectionMs).toList()));
          m.put("median_active_ms", median(runsOf.stream().map(Run::activeMs).toList()));
          medians.put(way.replace(' ', '_'), m);
        });
    json.put("ways", medians);
    StringBuilder md =
        new StringBuilder("## A killed rank's replacement: hot spare vs a fresh process\n\n")
            .append(files.reproduce(command()))
            .append(instance.ranks())
            .append(" rank processes, `")
            .append(transport)
            .append("` + embedded ZooKeeper, preset `")
            .append(instance.presetName())
            .append(
                "`: kill -9 of rank 1, measured from the kill to the FAILED view (detection) and to the"
                    + " view with its replacement ACTIVE. A hot spare (`eep_spare_ranks=1`) has its JVM,"
                    + " DJL, PyTorch, the checkpoint's pages, a transport endpoint and a ZooKeeper"
                    + " session warmed and takes the slot as soon as the launcher sees the process"
                    + " gone (joining once the failure has released it); a fresh process is started"
                    + " when the failure is known.\n\n| way | run | detection | replacement ACTIVE |\n|---|---:|---:|---:|\n");
    ways.forEach(
        (way, runsOf) -> {
          for (int i = 0; i < runsOf.size(); i++) {
            md.append(
                String.format(
                    Locale.ROOT,
                    "| %s | %d | %.0f ms | %.0f ms |%n",
                    way,
                    i + 1,
                    runsOf.get(i).detectionMs(),
                    runsOf.get(i).activeMs()));
          }
          md.append(
              String.format(
                  Locale.ROOT,
                  "| **%s** | median | %.0f ms | **%.0f ms** |%n",
                  way,
                  median(runsOf.stream().map(Run::detectionMs).toList()),
                  median(runsOf.stream().map(Run::activeMs).toList())));
        });
    files.publish(SuiteFiles.PRETTY.toJson(json), md.toString(), "# Benchmarks");
    return 0;
  }

  private String command() {
    return "./eep bench spare --out " + files.out() + instance.flags();
  }

  private static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    s.sort(null);
    return s.get(s.size() / 2);
  }
}
