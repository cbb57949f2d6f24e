package org.eep.examples.bench.restart;

import com.google.gson.GsonBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eep.api.config.EepConfig;
import org.eep.djl.model.Preset;
import org.eep.djl.request.GenerationRequest;
import org.eep.examples.bench.BenchmarksDoc;
import org.eep.examples.demo.ModelCache;
import org.eep.server.launcher.ProcessCluster;
import org.eep.server.launcher.UcxProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./eep bench restart}: the full-restart baseline across processes. A fixed-membership stack
 * answers a dead rank by restarting the instance: every rank process starts again (JVM, libtorch,
 * transport), reloads its weights and re-forms. Measured from killing every rank process to the
 * first token of the new instance, several times in one run.
 */
@Command(
    name = "restart",
    mixinStandardHelpOptions = true,
    description =
        "Full-restart baseline with rank processes: kill all, start all, reload, first token.")
public final class ProcessRestartBenchCommand implements Callable<Integer> {
  @Option(
      names = "--out",
      defaultValue = "target/bench",
      description = "Directory for restart.json.")
  Path out;

  @Option(
      names = "--preset",
      defaultValue = "demo",
      description = "Model preset (default ${DEFAULT-VALUE}).")
  String preset;

  @Option(
      names = "--ranks",
      defaultValue = "4",
      description = "Rank processes (default ${DEFAULT-VALUE}).")
  int ranks;

  @Option(
      names = "--runs",
      defaultValue = "3",
      description = "Restarts measured (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(
      names = "--doc",
      defaultValue = "docs/BENCHMARKS.md",
      description = "Markdown file whose restart section is rewritten.")
  Path doc;

  @Override
  public Integer call() throws Exception {
    String transport = UcxProbe.available() ? "ucx" : "tcp";
    Path model = ModelCache.ensure(Preset.of(preset), 42, System.out::println);
    List<Double> totals = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      EepConfig config =
          EepConfig.of(
              Map.of(
                  "eep_instance",
                  "restart-" + ProcessHandle.current().pid() + "-" + i,
                  "eep_max_ranks",
                  ranks,
                  "eep_transport",
                  transport,
                  "eep_membership",
                  "zookeeper",
                  "eep_heartbeat_ms",
                  200,
                  "eep_heartbeat_misses",
                  10));
      ProcessCluster old = ProcessCluster.start(config, model, line -> {});
      firstToken(old, "warm-" + i);
      long t0 = System.nanoTime();
      old.close(); // kill -9 of every rank process, as a fixed-membership stack must
      try (ProcessCluster fresh =
          ProcessCluster.start(
              config.with(
                  "eep_instance", "restart-" + ProcessHandle.current().pid() + "-" + i + "b"),
              model,
              line -> {})) {
        firstToken(fresh, "after-" + i);
        double ms = (System.nanoTime() - t0) / 1e6;
        totals.add(ms);
        System.out.printf(
            "restart %d: %.0f ms from killing every rank to the first token of the new instance%n",
            i + 1, ms);
      }
    }
    List<Double> sorted = new ArrayList<>(totals);
    sorted.sort(null);
    double median = sorted.get(sorted.size() / 2);
    Files.createDirectories(out);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("suite", "restart");
    json.put("transport", transport);
    json.put("ranks", ranks);
    json.put("preset", preset);
    json.put("full_restart_ms", totals);
    json.put("median_full_restart_ms", median);
    Files.writeString(
        out.resolve("restart.json"), new GsonBuilder().setPrettyPrinting().create().toJson(json));
    StringBuilder md =
        new StringBuilder("## Full restart with rank processes (the fixed-membership baseline)\n\n")
            .append("Reproduce: `./eep bench restart --out target/bench`. ")
            .append(ranks)
            .append(" rank processes, `")
            .append(transport)
            .append("` + embedded ZooKeeper, preset `")
            .append(preset)
            .append("`: kill every rank process, start them all again ")
            .append(
                "(JVM start, libtorch load, weights reloaded from the checkpoint, instance re-formed), measured to the first token ")
            .append("of the new instance.\n\n| run | full restart |\n|---:|---:|\n");
    for (int i = 0; i < totals.size(); i++) {
      md.append(String.format("| %d | %.0f ms |%n", i + 1, totals.get(i)));
    }
    md.append(String.format("| **median** | **%.0f ms** |%n", median));
    BenchmarksDoc.update(doc, "restart", md.toString());
    System.out.println(md);
    return 0;
  }

  private static void firstToken(ProcessCluster c, String id) throws InterruptedException {
    CountDownLatch first = new CountDownLatch(1);
    c.submit(
        new GenerationRequest(id, new int[] {1, 2, 3}, 2), (rid, i, t, owner) -> first.countDown());
    if (!first.await(5, TimeUnit.MINUTES)) {
      throw new IllegalStateException("no token from the instance within 5 minutes");
    }
  }
}
