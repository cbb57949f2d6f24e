package org.eep.examples.bench.restart;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eep.api.config.EepConfig;
import org.eep.djl.request.GenerationRequest;
import org.eep.examples.InstanceOptions;
import org.eep.examples.bench.SuiteFiles;
import org.eep.examples.demo.ModelCache;
import org.eep.server.launcher.ProcessCluster;
import org.eep.server.launcher.UcxProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
  @Mixin SuiteFiles files = SuiteFiles.inTarget();

  @Mixin InstanceOptions instance = new InstanceOptions("demo");

  @Option(
      names = "--runs",
      defaultValue = "3",
      description = "Restarts measured (default ${DEFAULT-VALUE}).")
  int runs;

  @Override
  public Integer call() throws Exception {
    String transport = UcxProbe.available() ? "ucx" : "tcp";
    Path model = ModelCache.ensure(instance.preset(), 42, System.out::println);
    int ranks = instance.ranks();
    List<Double> totals = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      double ms = fullRestartMs(transport, ranks, model, "restart-" + i);
      totals.add(ms);
      System.out.printf(
          "restart %d: %.0f ms from killing every rank to the first token of the new instance%n",
          i + 1, ms);
    }
    List<Double> sorted = new ArrayList<>(totals);
    sorted.sort(null);
    double median = sorted.get(sorted.size() / 2);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("suite", "restart");
    json.put("transport", transport);
    json.put("ranks", ranks);
    json.put("preset", instance.presetName());
    json.put("full_restart_ms", totals);
    json.put("median_full_restart_ms", median);
    files.writeJson(SuiteFiles.PRETTY.toJson(json));
    StringBuilder md =
        new StringBuilder("## Full restart with rank processes (the fixed-membership baseline)\n\n")
            .append("Reproduce: `./eep bench restart --out target/bench`. ")
            .append(ranks)
            .append(" rank processes, `")
            .append(transport)
            .append("` + embedded ZooKeeper, preset `")
            .append(instance.presetName())
            .append("`: kill every rank process, start them all again ")
            .append(
                "(JVM start, libtorch load, weights reloaded from the checkpoint, instance re-formed), measured to the first token ")
            .append("of the new instance.\n\n| run | full restart |\n|---:|---:|\n");
    for (int i = 0; i < totals.size(); i++) {
      md.append(String.format("| %d | %.0f ms |%n", i + 1, totals.get(i)));
    }
    md.append(String.format("| **median** | **%.0f ms** |%n", median));
    files.updateDoc(md.toString());
    System.out.println(md);
    return 0;
  }

  /**
   * One full restart of {@code ranks} rank processes on {@code model}: start and warm an instance,
   * kill every process, start them all again, measured from the kill to the new instance's first
   * token (ms). {@code name} tells its instances apart.
   */
  static double fullRestartMs(String transport, int ranks, Path model, String name)
      throws IOException, InterruptedException {
    String instance = name + "-" + ProcessHandle.current().pid();
    EepConfig config =
        EepConfig.fromEnvironment(
            Map.of(
                "eep_instance",
                instance,
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
    firstToken(old, "warm-" + name);
    long t0 = System.nanoTime();
    old.close(); // kill -9 of every rank process, as a fixed-membership stack must
    try (ProcessCluster fresh =
        ProcessCluster.start(config.with("eep_instance", instance + "b"), model, line -> {})) {
      firstToken(fresh, "after-" + name);
      return (System.nanoTime() - t0) / 1e6;
    }
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
